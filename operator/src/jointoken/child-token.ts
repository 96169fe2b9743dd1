// The bootstrap-token Secret in the child API server (kube-system/bootstrap-token-<id>): read back
// when an earlier attempt wrote it, created otherwise, and deleted to revoke the token.
import type { V1Secret } from '@kubernetes/client-node';
import type { JoinRole } from '@k0smotron/api';
import { ChildApiError, type ChildApiClient } from '../childapi/client';
import { BOOTSTRAP_TOKEN_NAMESPACE, bootstrapTokenSecret, bootstrapTokenSecretName, generateTokenSecret, readBootstrapTokenSecret } from './token';

/** Annotation on the child's bootstrap Secret: which JTR it belongs to. */
export const ANNOTATION_TOKEN_REQUEST = 'k0smotron.io/token-request';

const secretPath = (tokenId: string) => `/api/v1/namespaces/${BOOTSTRAP_TOKEN_NAMESPACE}/secrets/${bootstrapTokenSecretName(tokenId)}`;

async function getChildSecret(child: ChildApiClient, tokenId: string, signal: AbortSignal): Promise<V1Secret | undefined> {
  try {
    return (await child.request<V1Secret>('GET', secretPath(tokenId), undefined, { signal })).body;
  } catch (err) {
    if (err instanceof ChildApiError && err.reason === 'NotFound') return undefined;
    throw err;
  }
}

/** The child's Secret for `tokenId`: read back when a previous attempt created it, else created. */
export async function ensureChildSecret(
  child: ChildApiClient,
  opts: { tokenId: string; role: JoinRole; expiration?: Date; owner: string; signal: AbortSignal },
): Promise<{ tokenSecret: string; expiration?: string }> {
  const existing = await getChildSecret(child, opts.tokenId, opts.signal);
  if (existing) return readBootstrapTokenSecret(existing);
  const tokenSecret = generateTokenSecret();
  const body = bootstrapTokenSecret({
    tokenId: opts.tokenId,
    tokenSecret,
    role: opts.role,
    expiration: opts.expiration,
    labels: { 'app.kubernetes.io/managed-by': 'k0smotron' },
    annotations: { [ANNOTATION_TOKEN_REQUEST]: opts.owner },
  });
  try {
    await child.request('POST', `/api/v1/namespaces/${BOOTSTRAP_TOKEN_NAMESPACE}/secrets`, body, { signal: opts.signal });
  } catch (err) {
    if (err instanceof ChildApiError && err.reason === 'Conflict') {
      const raced = await getChildSecret(child, opts.tokenId, opts.signal);
      if (raced) return readBootstrapTokenSecret(raced);
    }
    throw err;
  }
  return { tokenSecret, ...(body.stringData?.expiration ? { expiration: body.stringData.expiration } : {}) };
}

export async function deleteChildSecret(child: ChildApiClient, tokenId: string, signal: AbortSignal): Promise<void> {
  try {
    await child.request('DELETE', secretPath(tokenId), undefined, { signal });
  } catch (err) {
    if (err instanceof ChildApiError && err.reason === 'NotFound') return;
    throw err;
  }
}
