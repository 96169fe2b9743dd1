// The kinds the Cluster reconciler reads and writes, shared by its step modules.
import { API_VERSION, CLUSTER_KIND } from '@k0smotron/api';

export const CLUSTER_GVK = { apiVersion: API_VERSION, kind: CLUSTER_KIND };
export const STATEFULSET = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
export const SERVICE = { apiVersion: 'v1', kind: 'Service' };
export const CONFIGMAP = { apiVersion: 'v1', kind: 'ConfigMap' };
export const SECRET = { apiVersion: 'v1', kind: 'Secret' };
export const NODE = { apiVersion: 'v1', kind: 'Node' };
export const PVC = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
