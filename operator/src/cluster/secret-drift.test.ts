import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { withDataFingerprint } from '../engine/drift';
import { caEvidence, caMissingMessage } from './ca-guard';
import { ANNOTATION_KUBECONFIG_DATA_HASH, certificateLabelRepair, kubeconfigDataHash, kubeconfigDrift } from './secret-drift';

/** A Secret as the operator's cache holds it: data dropped, hashes of its values kept. */
function cached(secret: V1Secret): V1Secret {
  const { data: _d, ...rest } = withDataFingerprint(secret as KubernetesObject) as V1Secret;
  return rest;
}

describe('the cluster CA rule', () => {
  it('has evidence of an earlier CA from other certificates, the kubeconfig, or the status', () => {
    expect(caEvidence({ otherCertificates: [], certificatesWereAvailable: false })).toBeUndefined(); // a new Cluster
    expect(caEvidence({ otherCertificates: ['c-sa', 'c-etcd'], kubeconfigSecret: 'c-kubeconfig', certificatesWereAvailable: false })).toBe(
      'Secrets c-sa, c-etcd, c-kubeconfig of this Cluster exist',
    );
    expect(caEvidence({ otherCertificates: [], certificatesWereAvailable: true })).toMatch(/reported its certificates available/);
  });

  it('says how to restore, and how to ask for a new CA', () => {
    const message = caMissingMessage('c-ca', 'team-a', 'c', 'Secrets c-sa of this Cluster exist');
    expect(message).toMatch(/Secret c-ca \(the cluster CA\) is missing/);
    expect(message).toMatch(/Restore the Secret from a backup into namespace team-a/);
    expect(message).toContain('kubectl annotate clusters.k0smotron.io c -n team-a k0smotron.io/regenerate-ca=true');
  });
});

describe('Secrets holding keys', () => {
  const labels = { app: 'k0smotron', cluster: 'c', component: 'cluster', 'cluster.x-k8s.io/cluster-name': 'c' };

  it('certificate Secrets get their identity labels back; their own extra labels and Cluster labels do not matter', () => {
    expect(certificateLabelRepair('c', { metadata: { labels: { ...labels, team: 'x' } } })).toBeUndefined();
    const { 'cluster.x-k8s.io/cluster-name': _gone, ...rest } = labels;
    expect(certificateLabelRepair('c', { metadata: { labels: rest } })).toEqual({ metadata: { labels } });
  });

  it('a kubeconfig whose value or labels changed is drift; one written before the hash annotation is judged by its labels', () => {
    const yaml = 'apiVersion: v1\nkind: Config\n';
    const expected = { ...labels, 'app.kubernetes.io/component': 'kubeconfig' };
    const secret = (value: string, annotations: Record<string, string> = { [ANNOTATION_KUBECONFIG_DATA_HASH]: kubeconfigDataHash(yaml) }): V1Secret => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'c-kubeconfig', labels: expected, annotations },
      data: { value: Buffer.from(value).toString('base64') },
    });
    expect(kubeconfigDrift(cached(secret(yaml)), expected)).toBeUndefined();
    expect(kubeconfigDrift(cached(secret('edited')), expected)).toBe('data.value');
    expect(kubeconfigDrift(secret('edited'), expected)).toBe('data.value'); // uncached data compares too
    expect(kubeconfigDrift(cached({ ...secret(yaml), data: {} }), expected)).toBe('data.value');
    expect(kubeconfigDrift(cached(secret(yaml)), { ...expected, team: 'blue' })).toBe('metadata.labels.team');
    expect(kubeconfigDrift(cached(secret('anything', {})), expected)).toBeUndefined();
  });
});
