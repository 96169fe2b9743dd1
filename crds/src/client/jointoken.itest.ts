// issueJoinToken against a real kube-apiserver. No operator serves this namespace: the test plays
// its part by writing what the operator writes (the token Secret, then the JoinTokenRequest's
// status), so each outcome the faces rely on is shown on real objects: issued and settled,
// refused, and timed out with the request kept or removed.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createTestNamespace, poller, sharedTestCluster } from '@k0smotron/testenv';
import { ensureCrdsInstalled } from '../testing/install';
import type { Condition } from '../schema/common';
import { issueJoinToken, JoinTokenRefusedError, JoinTokenTimeoutError, K0smotronClient, newJoinTokenRequest, type JoinTokenProgress } from './index';

jest.setTimeout(60_000);

let ns: string;
let client: K0smotronClient;
let core: CoreV1Api;
let custom: CustomObjectsApi;
const TOKEN = 'H4sIAAAAAAAA/2xQy26DMBA8l6/wD9WRUBeeZ1HGMGVUTI';

beforeAll(async () => {
  const { kubeConfig } = sharedTestCluster();
  await ensureCrdsInstalled();
  ns = await createTestNamespace(kubeConfig, 'crds-jointoken');
  client = new K0smotronClient(kubeConfig, { fieldManager: 'crds-itest' });
  core = kubeConfig.makeApiClient(CoreV1Api);
  custom = kubeConfig.makeApiClient(CustomObjectsApi);
});

const eventually = poller({ timeoutMs: 20_000, everyMs: 100 });

function condition(status: 'True' | 'False', reason: string, message: string): Condition {
  return { type: 'JoinTokenSecretCreated', status, reason, message, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

/** Writes the request's status as the operator does (status subresource, merge patch). */
async function writeStatus(name: string, status: object): Promise<void> {
  await custom.patchNamespacedCustomObjectStatus(
    { group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'jointokenrequests', name, body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function created(clusterName: string): Promise<string> {
  return eventually(`the JoinTokenRequest of ${clusterName}`, async () => {
    const [jtr] = await client.listJoinTokenRequests(ns, `k0smotron.io/cluster=${clusterName}`);
    return jtr?.metadata.name;
  });
}

describe('issueJoinToken', () => {
  it('waits for the Secret, returns the token and settles on the status that reports it', async () => {
    const progress: JoinTokenProgress[] = [];
    const createdNames: string[] = [];
    const issuing = issueJoinToken(client, newJoinTokenRequest({ namespace: ns, clusterName: 'demo', expiry: '1h' }), {
      timeoutMs: 20_000,
      pollMs: 200,
      onCreated: jtr => createdNames.push(jtr.metadata.name ?? ''),
      onProgress: p => progress.push(p),
    });
    const name = await created('demo');
    await eventually('the first progress report', () => progress.length > 0);
    expect(progress[0]).toMatchObject({ name, reason: 'not reconciled yet', changed: true });
    // The operator's order: "Issuing", then the Secret, then the status that reports the token.
    await writeStatus(name, { conditions: [condition('False', 'Issuing', 'writing bootstrap token abcdef to the control plane')] });
    await eventually('a progress line naming Issuing', () => progress.some(p => p.reason.startsWith('Issuing:')));
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, data: { token: Buffer.from(TOKEN).toString('base64') } } });
    await new Promise(r => setTimeout(r, 500));
    const expiration = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await writeStatus(name, { observedGeneration: 1, tokenID: 'abcdef', expiration, conditions: [condition('True', 'Created', 'stored')] });

    const issued = await issuing;
    expect(name).toMatch(/^demo-worker-[0-9a-f]{6}$/);
    expect(createdNames).toEqual([name]);
    expect(issued).toMatchObject({ name, token: TOKEN });
    expect(issued.request.status).toMatchObject({ tokenID: 'abcdef', expiration });
    expect(issued.request.metadata.labels).toMatchObject({ 'k0smotron.io/cluster': 'demo' });
    expect(issued.request.spec).toMatchObject({ clusterName: 'demo', expiry: '1h' });
    // The request stays: deleting it would revoke the token.
    expect(await client.getJoinTokenRequest(ns, name)).toBeDefined();
  });

  it.each([
    ['PolicyViolation', 'spec.expiry "720h" is longer than the tenant policy allows (24h)'],
    ['CrossNamespaceDenied', 'Cluster other/c does not serve join tokens for this namespace'],
  ])("ends the wait on the tenant policy's refusal %s too, and deletes the request", async (reason, why) => {
    const clusterName = `policy-${reason.toLowerCase()}`;
    const issuing = issueJoinToken(client, newJoinTokenRequest({ namespace: ns, clusterName, expiry: '720h' }), {
      timeoutMs: 20_000,
      pollMs: 200,
      keepOnFailure: true,
    }).catch((err: unknown) => err);
    const name = await created(clusterName);
    const started = Date.now();
    await writeStatus(name, { conditions: [condition('False', reason, why)] });
    const err = await issuing;
    // Well before the 20 s timeout: the refusal ended the wait, not the clock.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err).toMatchObject({ message: why, reason, request: { name, deleted: true } });
    expect(await client.getJoinTokenRequest(ns, name)).toBeUndefined();
  });

  it('ends the wait on a refusal waiting cannot change, deletes the request, and says why', async () => {
    const issuing = issueJoinToken(client, newJoinTokenRequest({ namespace: ns, clusterName: 'kinedb', role: 'controller' }), {
      timeoutMs: 20_000,
      pollMs: 200,
      keepOnFailure: true,
    }).catch((err: unknown) => err);
    const name = await created('kinedb');
    expect(name).toMatch(/^kinedb-controller-[0-9a-f]{6}$/);
    const why = `Cluster ${ns}/kinedb cannot take another controller: kine on SQLite is local to one controller`;
    await writeStatus(name, { conditions: [condition('False', 'StorageNotJoinable', why)] });
    const err = await issuing;
    expect(err).toBeInstanceOf(JoinTokenRefusedError);
    expect(err).toMatchObject({ message: why, reason: 'StorageNotJoinable', request: { name, deleted: true } });
    expect(await client.getJoinTokenRequest(ns, name)).toBeUndefined();
  });

  it("times out naming the operator's last reason, and keeps the request only when asked to", async () => {
    const keep = issueJoinToken(client, newJoinTokenRequest({ namespace: ns, clusterName: 'slow', name: 'slow-kept' }), {
      timeoutMs: 2_000,
      pollMs: 200,
      keepOnFailure: true,
    }).catch((err: unknown) => err);
    await created('slow');
    await writeStatus('slow-kept', { conditions: [condition('False', 'WaitingForEndpoint', 'Cluster has no status.endpoint yet')] });
    const kept = await keep;
    expect(kept).toBeInstanceOf(JoinTokenTimeoutError);
    expect((kept as JoinTokenTimeoutError).message).toBe(
      `no join token for ${ns}/slow within 2 s (the operator reports WaitingForEndpoint: Cluster has no status.endpoint yet)`,
    );
    expect(kept).toMatchObject({ timeoutMs: 2_000, request: { name: 'slow-kept', deleted: false, condition: { reason: 'WaitingForEndpoint' } } });
    expect(await client.getJoinTokenRequest(ns, 'slow-kept')).toBeDefined();

    const removed = await issueJoinToken(client, newJoinTokenRequest({ namespace: ns, clusterName: 'idle', name: 'idle-removed' }), {
      timeoutMs: 1_000,
      pollMs: 200,
    }).catch((err: unknown) => err);
    expect(removed).toBeInstanceOf(JoinTokenTimeoutError);
    expect((removed as Error).message).toContain(`no join token for ${ns}/idle within 1 s: is the k0smotron operator`);
    expect(removed).toMatchObject({ request: { name: 'idle-removed', deleted: true } });
    expect(await client.getJoinTokenRequest(ns, 'idle-removed')).toBeUndefined();
  });
});
