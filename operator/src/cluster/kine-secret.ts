// The user's kine data source Secret (spec.storage.kine.dataSourceSecretName): only read, never written.
import type { V1Secret } from '@kubernetes/client-node';
import { KINE_DATASOURCE_SECRET_KEY } from '@k0smotron/api';
import { SpecError } from './desired';
import { decodeSecret } from './helpers';
import { SECRET } from './kinds';
import type { ClusterStep } from './reconcile-step';

export async function checkKineSecret(step: ClusterStep, name: string): Promise<string> {
  const ns = step.key.namespace;
  const cached = step.cached<V1Secret>(SECRET, name);
  const fix = `create it in namespace ${ns} with key ${KINE_DATASOURCE_SECRET_KEY} (the kine data source URL), or fix spec.storage.kine.dataSourceSecretName`;
  if (!cached) throw new SpecError('KineSecretNotFound', `Secret ${name} (spec.storage.kine.dataSourceSecretName) does not exist; ${fix}`);
  const rv = cached.metadata?.resourceVersion ?? '';
  const memo = `${ns}/${name}`;
  if (step.memory.kineChecked.get(memo) !== rv) {
    const live = await step.ctx.client.get<V1Secret>({ ...SECRET, namespace: ns, name });
    if (!live) throw new SpecError('KineSecretNotFound', `Secret ${name} (spec.storage.kine.dataSourceSecretName) does not exist; ${fix}`);
    if (!decodeSecret(live, KINE_DATASOURCE_SECRET_KEY)) {
      throw new SpecError('KineSecretInvalid', `Secret ${name} has no key ${KINE_DATASOURCE_SECRET_KEY}; ${fix}`);
    }
    step.memory.kineChecked.set(memo, live.metadata?.resourceVersion ?? rv);
  }
  return rv;
}
