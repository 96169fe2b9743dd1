/**
 * A problem with what the user asked for (not with the operator): reported as a False condition
 * with `reason` and a Warning event, and retried with backoff in case the input changes.
 */
export class SpecError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'SpecError';
  }
}
