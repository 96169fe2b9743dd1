import { ConfigReader } from '@backstage/config';
import { readKubeconfigLifetimeMs } from './userKubeconfig';

const read = (kubeconfigAccess: object) => readKubeconfigLifetimeMs(new ConfigReader({ k0smotron: { kubeconfigAccess } }));

describe('readKubeconfigLifetimeMs', () => {
  it('defaults to 8h and reads Go durations', () => {
    expect(read({})).toBe(8 * 3_600_000);
    expect(readKubeconfigLifetimeMs(new ConfigReader({}))).toBe(8 * 3_600_000);
    expect(read({ certificateLifetime: '1h30m' })).toBe(90 * 60_000);
  });

  it('refuses what is not a duration, and lifetimes under 1s or over 168h, naming the key', () => {
    expect(() => read({ certificateLifetime: 'a day' })).toThrow(/^k0smotron\.kubeconfigAccess\.certificateLifetime: "a day" is not a valid duration/);
    expect(() => read({ certificateLifetime: '0s' })).toThrow(
      'k0smotron.kubeconfigAccess.certificateLifetime: the kubeconfig lifetime must be at least 1s (e.g. 8h, 1h30m)',
    );
    expect(() => read({ certificateLifetime: '200h' })).toThrow('at most 168h');
  });
});
