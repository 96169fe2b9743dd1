// Secrets in the Cluster API format: certificates `<n>-<purpose>` and the admin kubeconfig.
import type { V1Secret } from '@kubernetes/client-node';
import {
  CAPI_SECRET_TYPE,
  KINE_DATASOURCE_SECRET_KEY,
  KUBECONFIG_SECRET_KEY,
  LABEL_CAPI_CLUSTER_NAME,
  certificateSources as apiCertificateSources,
  generatedCertificateSecretName,
  type CertificateRefType,
  type ExpectedCertificate,
} from '@k0smotron/api';
import { certificateValidity, type CertKeyPem } from '../../pki/crypto';
import { validityAnnotations } from '../../pki/renewal';
import {
  ANNOTATION_KUBECONFIG_CA_VERSION,
  ANNOTATION_KUBECONFIG_NOT_AFTER,
  ANNOTATION_KUBECONFIG_NOT_BEFORE,
  ANNOTATION_KUBECONFIG_SERVER,
  type AdminKubeconfig,
} from '../../pki/kubeconfig';
import { ANNOTATION_KUBECONFIG_DATA_HASH, kubeconfigDataHash } from '../secret-drift';
import { childMeta } from './meta';
import type { ClusterView } from './view';

/** The Secret name of each generated purpose (`<n>-ca`, `<n>-etcd-server`…). */
export function generatedSecretName(view: ClusterView, purpose: CertificateRefType): string {
  return generatedCertificateSecretName(view.name, purpose);
}

/** Where each purpose comes from: the user's `certificateRefs`, else the generated Secret. */
export function certificateSources(view: ClusterView, purposes: CertificateRefType[]): ExpectedCertificate[] {
  return apiCertificateSources({ name: view.name, storageType: view.storage.type, certificateRefs: view.certificateRefs }, purposes);
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

function capiMeta(view: ClusterView, name: string, component: 'kubeconfig' | undefined, annotations?: Record<string, string>) {
  return childMeta(view, name, component, { labels: { [LABEL_CAPI_CLUSTER_NAME]: view.name }, annotations });
}

/**
 * A generated certificate Secret. Its validity is recorded in annotations: the operator's cache
 * drops Secret data, and renewal is decided from the cached metadata alone. The `sa` Secret holds
 * a key pair, not a certificate, so it has none.
 */
export function certificateSecret(view: ClusterView, purpose: CertificateRefType, pem: CertKeyPem): V1Secret {
  const annotations = purpose === 'sa' ? undefined : validityAnnotations(certificateValidity(pem.cert));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: capiMeta(view, generatedSecretName(view, purpose), undefined, annotations),
    type: CAPI_SECRET_TYPE,
    data: { 'tls.crt': b64(pem.cert), 'tls.key': b64(pem.key) },
  };
}

/** The labels of the admin kubeconfig Secret, as `kubeconfigSecret` writes them. */
export function kubeconfigSecretLabels(view: ClusterView): Record<string, string> {
  return capiMeta(view, view.names.kubeconfigSecret, 'kubeconfig').labels ?? {};
}

export function kubeconfigSecret(view: ClusterView, kc: AdminKubeconfig, server: string, caVersion: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: capiMeta(view, view.names.kubeconfigSecret, 'kubeconfig', {
      [ANNOTATION_KUBECONFIG_SERVER]: server,
      [ANNOTATION_KUBECONFIG_NOT_BEFORE]: kc.notBefore.toISOString(),
      [ANNOTATION_KUBECONFIG_NOT_AFTER]: kc.notAfter.toISOString(),
      [ANNOTATION_KUBECONFIG_CA_VERSION]: caVersion,
      // What was written, so a hand edit is seen from the cache (which keeps no Secret data).
      [ANNOTATION_KUBECONFIG_DATA_HASH]: kubeconfigDataHash(kc.yaml),
    }),
    type: CAPI_SECRET_TYPE,
    data: { [KUBECONFIG_SECRET_KEY]: b64(kc.yaml) },
  };
}

/** The Secret holding an inline `storage.kine.dataSourceURL`; undefined when the user names their own. */
export function kineDataSourceSecret(view: ClusterView): V1Secret | undefined {
  if (view.storage.type !== 'kine' || view.storage.generatedDataSourceURL === undefined) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMeta(view, view.storage.dataSourceSecretName, 'kine'),
    type: 'Opaque',
    data: { [KINE_DATASOURCE_SECRET_KEY]: b64(view.storage.generatedDataSourceURL) },
  };
}
