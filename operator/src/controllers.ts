// The controllers a default operator runs. Each controller's engineer registers theirs here.
import type { ChildApiResolver } from './childapi/resolver';
import type { ControllerSpec, Logger } from './engine/contract';

export interface DefaultControllerOptions {
  /** How to reach a Cluster's own API server (join controllers); default in-cluster DNS. */
  childApi?: ChildApiResolver;
  log: Logger;
}

export function defaultControllers(_opts: DefaultControllerOptions): ControllerSpec[] {
  return [];
}
