export * from './resolver';
export * from './client';
export * from './access';
export * from './probe';
