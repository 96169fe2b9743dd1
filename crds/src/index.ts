// The browser-safe entry of the k0smotron.io API: types, schemas, names, defaults, status reading.
// What only servers and the CLI need has its own entry: the validator (`@k0smotron/api/validation`,
// ajv), the CRD builders (`@k0smotron/api/crds`) and the typed client (`@k0smotron/api/client`).
export * from './constants';
export * from './schema/common';
export * from './schema/cluster';
export * from './schema/jointokenrequest';
export * from './duration';
export * from './join';
export * from './names';
export * from './certificates';
export * from './nodeports';
export { md5Hex } from './md5';
export * from './normalize';
export * from './policy';
export * from './joinable';
export * from './unsupported';
export * from './conditions';
export * from './summary';
export * from './status';
