import { ConfigReader } from '@backstage/config';
import { JOIN_TOKEN_WAIT_MS, readJoinTokenTimeoutMs } from './joinTokens';

const read = (k0smotron: object) => readJoinTokenTimeoutMs(new ConfigReader({ k0smotron }));

describe('readJoinTokenTimeoutMs', () => {
  it('defaults to 30 s and reads a duration', () => {
    expect(read({})).toBe(JOIN_TOKEN_WAIT_MS);
    expect(JOIN_TOKEN_WAIT_MS).toBe(30_000);
    expect(read({ joinTokenTimeout: '2s' })).toBe(2_000);
    expect(read({ joinTokenTimeout: '1m30s' })).toBe(90_000);
  });

  it('refuses what is not a positive duration, naming the key', () => {
    expect(() => read({ joinTokenTimeout: 'soon' })).toThrow(/k0smotron\.joinTokenTimeout.*\(e\.g\. 30s, 1m\)/);
    expect(() => read({ joinTokenTimeout: '0s' })).toThrow(/k0smotron\.joinTokenTimeout: must be more than 0/);
  });
});
