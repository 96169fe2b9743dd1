// Which CronJob API the management cluster serves: `batch/v1` from Kubernetes 1.21, only
// `batch/v1beta1` before (and `batch/v1beta1` is gone from 1.25), so the defrag CronJob is written
// in whichever exists. Asked once at start; the answer does not change while the operator runs.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from '@k0smotron/api/kube';
import type { CronJobApiVersion } from './desired';

export async function servedCronJobApiVersion(kubeConfig: KubeConfig): Promise<CronJobApiVersion> {
  const api = new KubeApi(kubeConfig);
  try {
    for (const version of ['batch/v1', 'batch/v1beta1'] as const) {
      try {
        const info = await api.resource({ apiVersion: version, kind: 'CronJob' });
        if (info) return version;
      } catch {
        // not served in this version (404, or no CronJob kind there): try the older one
      }
    }
    return 'batch/v1';
  } finally {
    api.close();
  }
}
