import { ResponseError } from '@backstage/errors';
import type { FieldError } from '@k0smotron/plugin-k0smotron-common';

/**
 * A one-line, human message for an error from the API: the backend's own message (not
 * "Request failed with 400"), followed by its per-field errors when it sent some.
 */
export function describeApiError(error: unknown): string {
  if (error instanceof ResponseError) {
    const body = error.body as unknown as { fieldErrors?: FieldError[] };
    const fields = Array.isArray(body.fieldErrors) ? body.fieldErrors.map(f => `${f.path}: ${f.message}`).join('; ') : '';
    const message = error.cause?.message || error.message;
    return fields ? `${message} (${fields})` : message;
  }
  return error instanceof Error ? error.message : String(error);
}
