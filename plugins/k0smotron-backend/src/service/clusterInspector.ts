import { X509Certificate } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { clusterCaSecretName, clusterObjectNames, clusterServiceName, expectedCertificates, type Cluster, type ServiceType } from '@k0smotron/api';
import type { KubeObjects, Wire } from '@k0smotron/api/kube';
import type { CertificateSummary, OwnedObjectSummary } from '@k0smotron/plugin-k0smotron-common';
import { storageTypeOf } from './summaries';

// Live reads behind the details page: the generated objects by their known names, and the
// expiry of each certificate. Secret bodies are read only to parse `tls.crt`; no key, token or
// kubeconfig is returned. An object that is not there (404) is "not created yet"; any other
// failed read is the request layer's ApiError, for the route to map.

/** The certificate in a Secret's `tls.crt`, if any (pure). */
export function certificateOf(secret: Wire<V1Secret> | undefined, purpose: string): CertificateSummary | undefined {
  const pem = secret?.data?.['tls.crt'];
  if (!secret?.metadata?.name || !pem) return undefined;
  try {
    const cert = new X509Certificate(Buffer.from(pem, 'base64'));
    return { name: secret.metadata.name, purpose, notAfter: new Date(cert.validTo).toISOString() };
  } catch {
    // The sa Secret holds a public key, not a certificate.
    return undefined;
  }
}

export class ClusterInspector {
  /** `objects`: the management cluster's, so these reads share its one request layer. */
  constructor(private readonly objects: KubeObjects) {}

  async ownedObjects(cluster: Cluster): Promise<OwnedObjectSummary[]> {
    const namespace = cluster.metadata.namespace ?? 'default';
    const name = cluster.metadata.name ?? '';
    const names = clusterObjectNames(name);
    const serviceType = (cluster.spec?.service?.type ?? 'ClusterIP') as ServiceType;
    const etcd = storageTypeOf(cluster) === 'etcd';

    const [sts, svc, cm, kubeconfig, etcdSts] = await Promise.all([
      this.objects.get('StatefulSet', namespace, names.statefulSet),
      this.objects.get('Service', namespace, clusterServiceName(name, serviceType)),
      this.objects.get('ConfigMap', namespace, names.configMap),
      this.objects.get('Secret', namespace, names.kubeconfigSecret),
      etcd ? this.objects.get('StatefulSet', namespace, names.etcdStatefulSet) : undefined,
    ]);

    const result: OwnedObjectSummary[] = [];
    const statefulSet = (kind: string, objName: string, s: typeof sts) => {
      if (!s) return result.push({ kind, name: objName, ready: false, message: 'not created yet' });
      const want = s.spec?.replicas ?? 0;
      const ready = s.status?.readyReplicas ?? 0;
      return result.push({ kind, name: objName, ready: ready >= want, message: `${ready}/${want} ready` });
    };
    statefulSet('StatefulSet', names.statefulSet, sts);
    if (etcd) statefulSet('StatefulSet', names.etcdStatefulSet, etcdSts);
    const svcName = clusterServiceName(name, serviceType);
    if (!svc) {
      result.push({ kind: 'Service', name: svcName, ready: false, message: 'not created yet' });
    } else {
      const lbPending = serviceType === 'LoadBalancer' && !svc.status?.loadBalancer?.ingress?.length;
      result.push({
        kind: 'Service',
        name: svcName,
        ready: !lbPending,
        message: lbPending ? 'waiting for a load balancer address' : `${svc.spec?.type ?? serviceType}`,
      });
    }
    result.push({ kind: 'ConfigMap', name: names.configMap, ready: !!cm, ...(cm ? {} : { message: 'not created yet' }) });
    result.push({
      kind: 'Secret',
      name: names.kubeconfigSecret,
      ready: !!kubeconfig,
      ...(kubeconfig ? {} : { message: 'not created yet' }),
    });
    return result;
  }

  /**
   * Each certificate of the Cluster's set (@k0smotron/api's expectedCertificates: the user's
   * Secrets from spec.certificateRefs, else the generated ones) with its expiry; those whose
   * Secret is not there yet are left out. The sa purpose is a key pair with no expiry: not read.
   */
  async certificates(cluster: Cluster): Promise<CertificateSummary[]> {
    const namespace = cluster.metadata.namespace ?? 'default';
    const wanted = expectedCertificates(cluster).filter(c => c.purpose !== 'sa');
    const secrets = await Promise.all(wanted.map(c => this.objects.get('Secret', namespace, c.secretName)));
    return wanted.map((c, i) => certificateOf(secrets[i], c.purpose)).filter((c): c is CertificateSummary => c !== undefined);
  }

  /** The CA certificate (PEM, base64 as stored) of a Cluster, the user's own when certificateRefs names one; never its key. */
  async caCertificateBase64(cluster: Pick<Cluster, 'metadata' | 'spec'>): Promise<string | undefined> {
    const namespace = cluster.metadata.namespace ?? 'default';
    const secret = await this.objects.get('Secret', namespace, clusterCaSecretName(cluster));
    return secret?.data?.['tls.crt'];
  }
}
