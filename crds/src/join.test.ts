import { workerJoinCommands, k0sReleaseVersion } from './join';

describe('workerJoinCommands', () => {
  it('installs the matching k0s, stores the token 0600 and starts the worker', () => {
    expect(workerJoinCommands({ token: 'H4sIAAAA+/=', k0sVersion: 'v1.30.2-k0s.0' })).toEqual([
      'curl -sSLf https://get.k0s.sh | sudo K0S_VERSION=v1.30.2+k0s.0 sh',
      'sudo install -m 600 /dev/null /etc/k0s.token',
      "echo 'H4sIAAAA+/=' | sudo tee /etc/k0s.token > /dev/null",
      'sudo k0s install worker --token-file /etc/k0s.token',
      'sudo k0s start',
    ]);
  });
  it('uses an existing token file and the controller role', () => {
    expect(workerJoinCommands({ tokenFile: '/root/t', role: 'controller', k0sVersion: 'v1.29.1' })).toEqual([
      'curl -sSLf https://get.k0s.sh | sudo K0S_VERSION=v1.29.1+k0s.0 sh',
      'sudo k0s install controller --token-file /root/t',
      'sudo k0s start',
    ]);
  });
  it('rejects input that would break the shell line', () => {
    expect(() => workerJoinCommands({ token: "x'; rm -rf /" })).toThrow(/not a k0s join token/);
    expect(() => workerJoinCommands({ tokenFile: 'rel/path' })).toThrow(/tokenFile/);
    expect(() => workerJoinCommands({})).toThrow(/token or tokenFile/);
    expect(() => workerJoinCommands({ token: 'abc', k0sVersion: 'latest' })).toThrow(/k0sVersion/);
  });
  it('maps version forms', () => {
    expect(k0sReleaseVersion('v1.27.9+k0s.1')).toBe('v1.27.9+k0s.1');
    expect(k0sReleaseVersion('v1.27.9-k0s.0')).toBe('v1.27.9+k0s.0');
  });
});
