export class LoaderError extends Error {
  /** The verifier's log, when the kernel refused a program. */
  readonly log: string | undefined;

  constructor(message: string, options?: { cause?: unknown; log?: string | undefined }) {
    super(message, options);
    this.name = 'LoaderError';
    this.log = options?.log;
  }
}
