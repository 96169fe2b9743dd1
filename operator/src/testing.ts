// @k0smotron/operator/testing: what tests of other packages need to run the operator against a
// real API server as production wires it (the Cluster controller with its functional probe).
// Every type of the package's root entry, so the helpers' signatures can be named from here.
export type * from './index';
export { startClusterOperator, productionClusterController, waitForHollowReady, type TestClusterControllerOptions } from './cluster/testing/helpers';
