// Replaced by the bundler (scripts/build.ts) with the package version.
declare const __PLUGIN_VERSION__: string | undefined;
export const PLUGIN_VERSION: string = typeof __PLUGIN_VERSION__ === 'string' ? __PLUGIN_VERSION__ : 'v0.1.0-dev';
