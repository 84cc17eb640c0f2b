/**
 * The one error type of the BTF module.
 *
 * Every problem with the input (truncated data, a record running past its
 * section, an out-of-range string offset or type id, a cyclic type chain)
 * surfaces as a BtfError, so callers can tell "this blob is bad" apart from a
 * bug in our own code. Messages name the byte offset or type id involved,
 * because the person reading them usually has a hex dump or bpftool output
 * open next to the error.
 */
export class BtfError extends Error {
  override readonly name = 'BtfError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
