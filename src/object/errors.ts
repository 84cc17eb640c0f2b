// One error type for everything wrong with an object file, naming the object
// and the part of it that is wrong.
export class ObjectError extends Error {
  constructor(object: string, message: string, options?: { cause?: unknown }) {
    super(`${object}: ${message}`, options);
    this.name = 'ObjectError';
  }
}
