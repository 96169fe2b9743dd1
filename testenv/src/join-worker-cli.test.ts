import { parseJoinWorkerArgs } from './join-worker-cli';

describe('parseJoinWorkerArgs', () => {
  it('takes the token file, a name and labels, in both flag forms', () => {
    expect(parseJoinWorkerArgs(['--token-file', '/tmp/t', '--name=w1', '--label', 'a=b', '--label=c=d=e'])).toEqual({
      tokenFile: '/tmp/t',
      name: 'w1',
      labels: { a: 'b', c: 'd=e' },
      help: false,
    });
    expect(parseJoinWorkerArgs(['--token-file', '-']).tokenFile).toBe('-');
    expect(parseJoinWorkerArgs(['--help']).help).toBe(true);
  });
  it('names what is wrong', () => {
    expect(() => parseJoinWorkerArgs([])).toThrow('--token-file is required');
    expect(() => parseJoinWorkerArgs(['--token-file'])).toThrow('--token-file needs a value');
    expect(() => parseJoinWorkerArgs(['--token-file', 't', '--name', 'Bad_Name'])).toThrow('DNS-1123');
    expect(() => parseJoinWorkerArgs(['--token-file', 't', '--label', 'novalue'])).toThrow('KEY=VALUE');
    expect(() => parseJoinWorkerArgs(['--token-file', 't', '--nodes', '2'])).toThrow('unknown argument --nodes');
  });
});
