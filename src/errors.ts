/** One error base; subclasses name themselves and keep the cause. */
export class SentinelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SentinelError';
  }
}

/** A file (policy or inventory) that does not fit its schema: one line per problem, with its path. */
export class InvalidFileError extends SentinelError {
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.name = 'InvalidFileError';
  }
}
