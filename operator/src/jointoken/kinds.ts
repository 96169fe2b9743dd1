// The kinds the JoinTokenRequest controller reads and writes.
import { API_VERSION, CLUSTER_KIND, JOIN_TOKEN_REQUEST_KIND } from '@k0smotron/api';

export const JTR_GVK = { apiVersion: API_VERSION, kind: JOIN_TOKEN_REQUEST_KIND };
export const CLUSTER_GVK = { apiVersion: API_VERSION, kind: CLUSTER_KIND };
export const SECRET_GVK = { apiVersion: 'v1', kind: 'Secret' };
