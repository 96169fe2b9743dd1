import { ConflictError, NotAllowedError, NotFoundError, ServiceUnavailableError, isError } from '@backstage/errors';
import { K0smotronApiError } from '@k0smotron/api/client';
import type { FieldError, ValidationErrorResponse } from '@k0smotron/plugin-k0smotron-common';
import { shortErrorMessage } from './redact';

/** Errors of ours and of @backstage/errors: their messages are written for the client. */
const CLIENT_FACING = new Set([
  'InputError',
  'NotAllowedError',
  'NotFoundError',
  'ConflictError',
  'ServiceUnavailableError',
  'AuthenticationError',
  'NotModifiedError',
  'NotImplementedError',
]);

/** A 400 whose body lists field errors; the router answers it itself. */
export class FieldValidationError extends Error {
  override readonly name = 'InputError';
  constructor(
    message: string,
    readonly fieldErrors: FieldError[],
  ) {
    super(message);
  }

  toResponse(): ValidationErrorResponse {
    return { error: { name: 'InputError', message: this.message }, fieldErrors: this.fieldErrors };
  }
}

export function fieldErrorSummary(errors: FieldError[]): string {
  return errors.map(e => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
}

/**
 * Maps a Kubernetes failure to the Backstage error the root error handler turns into a status:
 * the message always says which management cluster and what to do.
 */
export function toHttpError(err: unknown, managementCluster: string): Error {
  const where = `management cluster '${managementCluster}'`;
  if (!(err instanceof K0smotronApiError)) {
    if (err instanceof FieldValidationError || (isError(err) && CLIENT_FACING.has(err.name))) return err as Error;
    // A raw client error (the request layer's ApiError, which keeps the response body, or any
    // other library's) is not classified: a 500 whose message is one short line, never the body.
    return new Error(`${where}: ${shortErrorMessage(err)}`);
  }
  switch (err.reason) {
    case 'NotFound':
      return new NotFoundError(err.message);
    case 'Conflict':
      return new ConflictError(err.message);
    case 'Invalid':
      return new FieldValidationError(
        `the ${where} rejected the request: ${err.message}`,
        (err.causes ?? []).map(c => ({ path: c.field, message: c.message })),
      );
    case 'Forbidden':
      return new NotAllowedError(`the ${where} refused Backstage's service account: ${err.message}. Grant it the k0smotron RBAC rules`);
    case 'CrdMissing':
    case 'Unreachable':
    case 'Unauthorized':
      return new ServiceUnavailableError(`${where}: ${err.message}`);
    default:
      return new Error(`${where}: ${shortErrorMessage(err)}`);
  }
}
