// The one error type the ELF reader throws.
//
// Callers feed this module arbitrary bytes (downloaded objects, user files), so
// every failure must be catchable as a single type, and the message must say
// *where* in the file the problem is: "the file is broken" is useless when
// debugging a compiler's output, "section header 7 at offset 0x1c0: ..." is not.

export class ElfError extends Error {
  override readonly name = 'ElfError';

  /**
   * @param where   what was being read, e.g. `section header 7`
   * @param offset  byte offset in the file of that thing
   * @param problem what is wrong with it
   */
  constructor(
    readonly where: string,
    readonly offset: number,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`ELF: ${where} at offset ${hex(offset)}: ${problem}`, options);
  }
}

/** `0x1c0`: offsets in messages are hex, like readelf prints them. */
export function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/**
 * Run `fn`, turning anything that is not an ElfError into one.
 *
 * The reader checks bounds before every read, so this should never fire; it is
 * the backstop that keeps the "only ElfError escapes" promise even if a check
 * is missing (a RangeError from DataView, a TypeError from a bad assumption).
 */
export function guard<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ElfError) throw err;
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new ElfError(where, 0, `internal error while parsing (${detail})`, { cause: err });
  }
}
