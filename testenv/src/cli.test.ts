import * as path from 'node:path';
import { parseCliArgs } from './cli';

describe('npm run cluster arguments', () => {
  it('defaults to one node with the CRDs', () => {
    expect(parseCliArgs([])).toEqual({ nodes: 1, crds: true, help: false });
  });

  it('reads flags in both --flag value and --flag=value form', () => {
    expect(parseCliArgs(['--nodes', '3', '--no-crds', '--log-dir=logs', '--kubeconfig-out', 'kc'])).toEqual({
      nodes: 3,
      crds: false,
      help: false,
      logDir: path.resolve('logs'),
      kubeconfigOut: path.resolve('kc'),
    });
    expect(parseCliArgs(['--help']).help).toBe(true);
  });

  it('names the bad argument', () => {
    expect(() => parseCliArgs(['--nodes', 'many'])).toThrow('--nodes many: expected a whole number from 0 to 20');
    expect(() => parseCliArgs(['--nodes'])).toThrow('--nodes needs a value');
    expect(() => parseCliArgs(['--log-dir', '--crds'])).toThrow('--log-dir needs a value');
    expect(() => parseCliArgs(['--frobnicate'])).toThrow('unknown argument --frobnicate (see --help)');
  });
});
