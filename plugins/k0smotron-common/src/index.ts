// Browser-safe shared code of the k0smotron Backstage plugins: permissions, the catalog
// annotation and the REST API types.
export * from './permissions';
export * from './annotations';
export * from './types';
