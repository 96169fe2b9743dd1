// One request layer per management cluster: the Cluster cache, the typed client and the live
// reads all send through the KubeApi the service made, and stop() closes it last. Against an API
// server that is not there, so nothing here depends on a cluster.
import { ConfigReader } from '@backstage/config';
import { K0smotronApiError } from '@k0smotron/api/client';
import { ApiError } from '@k0smotron/api/kube';
import { CapturingLogger } from '../testing/testBackend';
import { createManagementClusters } from './managementClusters';
import { freePort } from '@k0smotron/testenv';

describe('createManagementClusters', () => {
  it('sends the client and the typed reads through the one KubeApi it closes on stop()', async () => {
    const port = await freePort();
    const config = new ConfigReader({
      k0smotron: { managementClusters: [{ name: 'gone', url: `https://127.0.0.1:${port}`, serviceAccountToken: 'not-a-real-token', skipTLSVerify: true }] },
    });
    const svc = createManagementClusters(config, new CapturingLogger());
    const mc = svc.get('gone');
    expect(mc.objects.api.serverUrl).toBe(`https://127.0.0.1:${port}`);

    // Open: the request goes out and finds nobody listening.
    await expect(mc.objects.get('Secret', 'a', 'b')).rejects.toMatchObject({ reason: 'Unreachable', code: 'ECONNREFUSED' });
    await svc.stop();

    // Closed: refused before anything is sent, by the client and the typed reads alike.
    const closed = /the client of https:\/\/127\.0\.0\.1:\d+ is closed/;
    const read = await mc.objects.get('Secret', 'a', 'b').catch((e: unknown) => e);
    expect(read).toBeInstanceOf(ApiError);
    expect((read as ApiError).message).toMatch(closed);
    const viaClient = await mc.client.getCluster('a', 'b').catch((e: unknown) => e);
    expect(viaClient).toBeInstanceOf(K0smotronApiError);
    expect(((viaClient as K0smotronApiError).cause as Error).message).toMatch(closed);
  });
});
