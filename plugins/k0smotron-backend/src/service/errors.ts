import { ConflictError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { K0smotronApiError } from '@k0smotron/api/client';
import type { FieldError, ValidationErrorResponse } from '@k0smotron/plugin-k0smotron-common';

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
  if (!(err instanceof K0smotronApiError)) return err instanceof Error ? err : new Error(String(err));
  const where = `management cluster '${managementCluster}'`;
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
      return new NotAllowedError(
        `the ${where} refused Backstage's service account: ${err.message}. Grant it the k0smotron RBAC rules`,
      );
    case 'CrdMissing':
    case 'Unreachable':
    case 'Unauthorized':
      return new ServiceUnavailableError(`${where}: ${err.message}`);
    default:
      return new Error(`${where}: ${err.message}`);
  }
}
