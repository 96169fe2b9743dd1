// Volumes shared by the k0s StatefulSet builder: the certificates projected for `certs-init`,
// user manifests and mounts.
import type { V1Volume, V1VolumeMount, V1VolumeProjection } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { CertificateRefType } from '@k0smotron/api';
import type { ClusterView } from './view';

/** Files each certificate purpose becomes under /var/lib/k0s/pki (as upstream's certs-init). */
export const PKI_FILES: Partial<Record<CertificateRefType, { crt: string; key: string }>> = {
  ca: { crt: 'ca.crt', key: 'ca.key' },
  sa: { crt: 'sa.pub', key: 'sa.key' },
  proxy: { crt: 'front-proxy-ca.crt', key: 'front-proxy-ca.key' },
  etcd: { crt: 'etcd-ca.crt', key: 'etcd-ca.key' },
  'apiserver-etcd-client': { crt: 'apiserver-etcd-client.crt', key: 'apiserver-etcd-client.key' },
};

/** Projected volume of the Secrets the k0s controller needs, renamed to k0s's file names. */
export function certsProjection(secretNames: Partial<Record<CertificateRefType, string>>, storageType: 'etcd' | 'kine'): V1Volume {
  const purposes: CertificateRefType[] = ['ca', 'sa', 'proxy', 'etcd', ...(storageType === 'etcd' ? ['apiserver-etcd-client' as const] : [])];
  const sources: V1VolumeProjection[] = purposes.map(purpose => {
    const files = PKI_FILES[purpose]!;
    return {
      secret: {
        name: secretNames[purpose]!,
        items: [
          { key: 'tls.crt', path: files.crt },
          { key: 'tls.key', path: files.key },
        ],
      },
    };
  });
  return { name: 'certs', projected: { sources, defaultMode: 0o400 } };
}

/** A stable volume name for a mount path: readable prefix plus a short hash (paths are unique). */
export function mountVolumeName(path: string): string {
  const slug =
    path
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase()
      .slice(0, 40) || 'root';
  return `mount-${slug}-${createHash('sha256').update(path).digest('hex').slice(0, 6)}`;
}

export function userMounts(view: ClusterView): { volumes: V1Volume[]; mounts: V1VolumeMount[] } {
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  for (const m of view.mounts) {
    const { path, readOnly, ...source } = m;
    const name = mountVolumeName(path);
    // ConfigMaps and Secrets are read-only by nature (upstream forces it too).
    const forcedReadOnly = 'configMap' in source || 'secret' in source;
    volumes.push({ name, ...(source as Omit<V1Volume, 'name'>) });
    mounts.push({ name, mountPath: path, ...(readOnly || forcedReadOnly ? { readOnly: true } : {}) });
  }
  for (const v of view.manifests) {
    volumes.push(v);
    mounts.push({ name: v.name, mountPath: `/var/lib/k0s/manifests/${v.name}`, readOnly: true });
  }
  return { volumes, mounts };
}
