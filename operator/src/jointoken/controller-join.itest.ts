// Controller join tokens only for storage another k0s controller can join, on the shared test
// cluster with the real operator. k0s itself refuses `k0s token create --role controller` when
// its storage is not joinable; the operator writes bootstrap tokens straight into the child, so
// it must refuse the same requests itself, before anything is written:
// - the default etcd (run by k0smotron beside the controllers, an external etcd cluster to k0s),
// - kine on SQLite, here kept in the user's Secret (read for its backend, never repeated),
// while kine on a shared database gets its token from a real child API server.
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import type { Cluster, Condition, JoinTokenRequest } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, readChildApiPki, sharedTestCluster, startChildApiServer, type ChildApiServer, poller } from '@k0smotron/testenv';
import { startOperator, silentLogger, type RunningOperator } from '../index';
import { staticChildApi } from '../childapi/resolver';
import { decodeJoinToken } from './token';
import { JTR_FINALIZER } from './controller';

jest.setTimeout(240_000);

const shared = sharedTestCluster();
const kc = shared.kubeConfig;
const core = kc.makeApiClient(CoreV1Api);
const kmc = new K0smotronClient(kc);

const eventually = poller({ timeoutMs: 90_000, everyMs: 300 });

const created = (j: JoinTokenRequest | undefined): Condition | undefined => j?.status?.conditions?.find(c => c.type === 'JoinTokenSecretCreated');

let ns = '';
let operator: RunningOperator | undefined;
const childUrls = new Map<string, string>();
const children: ChildApiServer[] = [];

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'controller-join');
  operator = await startOperator({
    kubeConfig: kc,
    namespaces: [ns],
    logger: silentLogger,
    // The production resolver dials kmc-<n>.<ns>.svc, which only resolves inside the cluster.
    childApi: staticChildApi(c => childUrls.get(`${c.metadata.namespace}/${c.metadata.name}`)),
  });
});

afterAll(async () => {
  await operator?.stop();
  await Promise.all(children.map(c => c.stop()));
});

function cluster(name: string, spec: Cluster['spec']): Cluster {
  return { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', metadata: { name, namespace: ns }, spec };
}

async function controllerRequest(name: string, clusterName: string): Promise<void> {
  await kmc.createJoinTokenRequest({
    apiVersion: 'k0smotron.io/v1beta2',
    kind: 'JoinTokenRequest',
    metadata: { name, namespace: ns },
    spec: { clusterName, expiry: '1h', role: 'controller' },
  });
}

/** Waits for the refusal and checks that nothing was issued or written for it. */
async function refused(name: string): Promise<Condition> {
  const jtr = await eventually(`${name} refused`, async () => {
    const j = await kmc.getJoinTokenRequest(ns, name);
    return created(j)?.reason === 'StorageNotJoinable' ? j : undefined;
  });
  const cond = created(jtr)!;
  expect(cond.status).toBe('False');
  expect(jtr.status?.tokenID).toBeUndefined();
  expect(jtr.status?.reconciliationStatus).toBe(`StorageNotJoinable: ${cond.message}`);
  // Refused before anything is written: no finalizer, no token Secret.
  expect(jtr.metadata.finalizers ?? []).not.toContain(JTR_FINALIZER);
  expect(await kmc.readJoinToken(ns, name)).toBeUndefined();
  const events = await eventually(`the Warning event of ${name}`, async () => {
    const list = await kmc.listEvents(ns, name, 'JoinTokenRequest');
    return list.length ? list : undefined;
  });
  expect(events.map(e => [e.type, e.reason, e.message])).toEqual([['Warning', 'StorageNotJoinable', `join token refused: ${cond.message}`]]);
  return cond;
}

describe('a controller JoinTokenRequest', () => {
  it('for the default etcd storage: refused with a False condition and a Warning event saying why and what to use instead, no token written', async () => {
    await kmc.createCluster(cluster('etcd', { service: { type: 'ClusterIP' } }));
    await controllerRequest('etcd-controller', 'etcd');
    const cond = await refused('etcd-controller');
    expect(cond.message).toMatch(/^Cluster \S+\/etcd cannot take another controller: .*external etcd cluster.*k0s refuses a controller join token/);
    expect(cond.message).toContain('raise spec.replicas');
    expect(cond.message).toContain('spec.storage.type kine with a database every controller reaches');
    // A worker token for the same Cluster is another matter: it is not refused for its storage.
    await kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'etcd-worker', namespace: ns },
      spec: { clusterName: 'etcd', expiry: '1h' },
    });
    const worker = await eventually('etcd-worker reconciled', async () => created(await kmc.getJoinTokenRequest(ns, 'etcd-worker')));
    expect(worker.reason).not.toBe('StorageNotJoinable');
  });

  it('for kine on SQLite in a Secret: refused, naming the Secret and never its contents', async () => {
    const url = 'sqlite:///var/lib/k0s/db/private-state.db?mode=rwc';
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'sqlite-db' }, stringData: { K0SMOTRON_KINE_DATASOURCE_URL: url } } as V1Secret,
    });
    await kmc.createCluster(cluster('sqlite', { service: { type: 'ClusterIP' }, storage: { type: 'kine', kine: { dataSourceSecretName: 'sqlite-db' } } }));
    await controllerRequest('sqlite-controller', 'sqlite');
    const cond = await refused('sqlite-controller');
    expect(cond.message).toContain('the kine data source in Secret sqlite-db is SQLite, a database file local to each controller');
    expect(cond.message).not.toContain('private-state');
  });

  it('for kine on a shared database (URL in a Secret): issued as a controller token by the control plane', async () => {
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'postgres-db' },
        stringData: { K0SMOTRON_KINE_DATASOURCE_URL: 'postgres://kine:pw@db.example:5432/kine?sslmode=disable' },
      } as V1Secret,
    });
    await kmc.createCluster(cluster('shared', { service: { type: 'ClusterIP' }, storage: { type: 'kine', kine: { dataSourceSecretName: 'postgres-db' } } }));
    const pki = await eventually('PKI Secrets of shared', () => readChildApiPki(kc, ns, 'shared'));
    const child = await startChildApiServer({ pki, log: () => {} });
    children.push(child);
    childUrls.set(`${ns}/shared`, child.url);

    await controllerRequest('shared-controller', 'shared');
    const jtr = await eventually('shared-controller issued', async () => {
      const j = await kmc.getJoinTokenRequest(ns, 'shared-controller');
      return created(j)?.status === 'True' ? j : undefined;
    });
    expect(created(jtr)!.reason).toBe('Created');
    const token = decodeJoinToken((await kmc.readJoinToken(ns, 'shared-controller'))!);
    expect(token.authName).toBe('controller-bootstrap');
    expect(token.token.split('.')[0]).toBe(jtr.status!.tokenID);
    expect(new URL(token.server).port).toBe('9443');
  });
});
