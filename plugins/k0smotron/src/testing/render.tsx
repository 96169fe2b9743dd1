import { type ComponentProps, type ReactElement } from 'react';
import type { Entity } from '@backstage/catalog-model';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { mockApis, renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { SWRConfig } from 'swr';
import { K0SMOTRON_CLUSTER_ANNOTATION } from '@k0smotron/plugin-k0smotron-common';
import { k0smotronApiRef, type K0smotronApi } from '../api';

// Test helpers: an entity with (or without) the annotation, a K0smotronApi whose every method is a
// jest.fn, and a render that provides both plus a permission decision.

/** `null` leaves the annotation out. */
export function clusterEntity(annotation: string | null = 'local/default/kmc-demo'): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: 'kmc-demo',
      namespace: 'default',
      annotations: annotation === null ? {} : { [K0SMOTRON_CLUSTER_ANNOTATION]: annotation },
    },
    spec: { type: 'kubernetes-cluster', owner: 'group:default/platform' },
  };
}

/** What the backend answers with the default tenant policy and the create permission. */
export const DEFAULT_SETTINGS = {
  createAllowed: true,
  joinTokens: { maxExpiry: '24h', maxExpirySeconds: 86_400, allowNeverExpiring: false },
};

export type MockK0smotronApi = { [K in keyof K0smotronApi]: jest.MockedFunction<K0smotronApi[K]> };

export function mockK0smotronApi(impl: Partial<K0smotronApi> = {}): MockK0smotronApi {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call to ${name}`));
  return {
    listManagementClusters: jest.fn(impl.listManagementClusters ?? unexpected('listManagementClusters')),
    listClusters: jest.fn(impl.listClusters ?? unexpected('listClusters')),
    getCluster: jest.fn(impl.getCluster ?? unexpected('getCluster')),
    createCluster: jest.fn(impl.createCluster ?? unexpected('createCluster')),
    updateCluster: jest.fn(impl.updateCluster ?? unexpected('updateCluster')),
    deleteCluster: jest.fn(impl.deleteCluster ?? unexpected('deleteCluster')),
    createJoinToken: jest.fn(impl.createJoinToken ?? unexpected('createJoinToken')),
    // Most views do not care about nodes: an empty list unless a test says otherwise.
    getWorkers: jest.fn(impl.getWorkers ?? (() => Promise.resolve({ total: 0, ready: 0, nodes: [] }))),
    getKubeconfig: jest.fn(impl.getKubeconfig ?? unexpected('getKubeconfig')),
    getSettings: jest.fn(impl.getSettings ?? (() => Promise.resolve(DEFAULT_SETTINGS))),
  };
}

export interface RenderOptions {
  api: K0smotronApi;
  entity?: Entity;
  /**
   * Permission names to deny; everything else is allowed. `name@resourceRef` denies a resource
   * permission for that one Cluster only (as a conditional policy would).
   */
  deny?: string[];
  extraApis?: ComponentProps<typeof TestApiProvider>['apis'];
  mountedRoutes?: Parameters<typeof renderInTestApp>[1] extends infer O ? (O extends { mountedRoutes?: infer M } ? M : never) : never;
}

export function renderWithApis(element: ReactElement, options: RenderOptions) {
  const deny = new Set(options.deny ?? []);
  // The backend answers `createAllowed: false` to a user the policy denies the create permission.
  const settings = options.api.getSettings as Partial<jest.MockedFunction<K0smotronApi['getSettings']>>;
  if (deny.has('k0smotron.cluster.create') && settings.getMockImplementation && settings.mockResolvedValue) {
    const base = settings.getMockImplementation();
    settings.mockImplementation!(async () => ({ ...(base ? await base() : DEFAULT_SETTINGS), createAllowed: false }));
  }
  const permissionApi = mockApis.permission({
    authorize: request =>
      deny.has(request.permission.name) || deny.has(`${request.permission.name}@${request.resourceRef}`) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
  });
  const content = options.entity ? <EntityProvider entity={options.entity}>{element}</EntityProvider> : element;
  // usePermission caches decisions in a module-wide SWR cache; a fresh cache per render keeps one
  // test's decisions out of the next.
  return renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider apis={[[k0smotronApiRef, options.api], [permissionApiRef, permissionApi], ...(options.extraApis ?? [])]}>{content}</TestApiProvider>
    </SWRConfig>,
    { mountedRoutes: options.mountedRoutes },
  );
}
