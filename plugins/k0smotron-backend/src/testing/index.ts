// @k0smotron/plugin-k0smotron-backend/testing: the integration-test helpers of the k0smotron
// Backstage plugins (a test backend on the real test cluster, a capturing logger, the worker-join
// bed), shared with the catalog and scaffolder modules' tests. Not for production code: it needs
// the dev dependencies @backstage/backend-test-utils and @k0smotron/testenv.
export * from './testBackend';
export * from './workerJoinBed';
export * from './workerJoinBackend';
export * from './managementClusterAccess';
