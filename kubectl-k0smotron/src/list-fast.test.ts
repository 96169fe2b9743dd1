// The yargs-free reader of `list` must give the command what yargs gives it. main() runs with the
// list loader intercepted, so that what yargs handed over can be compared with parseFastList's.
import type { ListArgs } from './commands/list';
import type { GlobalFlags, Io, Session as SessionClass } from './session';

const handedOver: { flags: GlobalFlags; args: ListArgs }[] = [];
jest.mock('./lazy', () => ({
  loadCommands: () => Promise.reject(new Error('not in this test')),
  loadListCommand: () =>
    Promise.resolve({
      // The real Session: its constructor checks --color, as the real list bundle's does.
      newSession: (flags: GlobalFlags, io: Io) => {
        const { Session } = jest.requireActual<{ Session: typeof SessionClass }>('./session');
        return new Session(flags, io, {
          loadKube: () => {
            throw new Error('not in this test');
          },
        });
      },
      runList: (s: { flags: GlobalFlags }, args: ListArgs) => {
        handedOver.push({ flags: s.flags, args });
        return Promise.resolve();
      },
    }),
}));

// Imported after the mock is declared (jest hoists jest.mock above imports anyway).
import { main } from './main';
import { parseFastList, runFastList } from './list-fast';

const io: Io = { stdout: process.stdout, stderr: process.stderr, env: {} };
const FLAG_KEYS = ['kubeconfig', 'context', 'namespace', 'allNamespaces', 'requestTimeout', 'v', 'color'] as const;

async function viaYargs(argv: string[]): Promise<{ flags: Partial<GlobalFlags>; args: ListArgs }> {
  handedOver.length = 0;
  expect(await main(argv, io)).toBe(0);
  expect(handedOver).toHaveLength(1);
  const { flags, args } = handedOver[0];
  return {
    flags: Object.fromEntries(FLAG_KEYS.filter(k => flags[k] !== undefined && !(k === 'allNamespaces' && flags[k] === false)).map(k => [k, flags[k]])),
    args: { names: (args.names ?? []).map(String), output: args.output, selector: args.selector, headers: args.headers },
  };
}

function viaFast(argv: string[]): { flags: Partial<GlobalFlags>; args: ListArgs } | undefined {
  const r = parseFastList(argv);
  if (!r) return undefined;
  return { flags: r.flags, args: { names: r.args.names, output: r.args.output, selector: r.args.selector, headers: r.args.headers } };
}

describe('parseFastList', () => {
  const taken = [
    ['list'],
    ['get'],
    ['list', '-n', 'lh'],
    ['list', '--namespace=lh', 'a', 'b'],
    ['get', 'a', '-n=ns1', '-o', 'wide'],
    ['list', '-A', '-l', 'env=dev', '--output=json'],
    ['list', '--all-namespaces', '--selector=env=dev,tier!=x', '--no-headers'],
    ['list', '--headers', '-o', 'name'],
    ['list', '--kubeconfig', '/tmp/kc', '--context', 'ctx', '--request-timeout', '5s', '--color', 'never'],
    ['list', '--kubeconfig=/tmp/kc', '--context=ctx', '--request-timeout=10', '--color=always'],
    ['list', '-v=6', '-n', 'x'],
    ['list', '-v', '6', '007', '1e3'],
    ['list', '--v=8', '-o', 'yaml', 'c1'],
    ['list', '-o', 'bogus'],
  ].map(argv => [argv]);
  it.each(taken)('gives what yargs gives: %j', async argv => {
    const fast = viaFast(argv);
    expect(fast).toBeDefined();
    expect(fast).toEqual(await viaYargs(argv));
  });

  const left = [
    ['status'],
    ['list', '--help'],
    ['list', '-h'],
    ['list', '-v'],
    ['list', '-vv'],
    ['list', '--', 'a'],
    ['list', '-n', 'a', '-n', 'b'],
    ['list', '-A', '-A'],
    ['list', '-An', 'x'],
    ['list', '-n'],
    ['list', '-n', '-A'],
    ['list', '--namespace='],
    ['list', '--no-all-namespaces'],
    ['list', '--all-namespaces=true'],
    ['list', '--unknown'],
    ['list', '-ojson'],
    ['list', '--requestTimeout', '5s'],
  ].map(argv => [argv]);
  it.each(left)('leaves %j to yargs', argv => {
    expect(parseFastList(argv)).toBeUndefined();
  });

  it('fails on a bad --color as yargs does: same message, exit code 1', async () => {
    const capture = (): Io & { text: () => string } => {
      let text = '';
      const stream = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
      return { stdout: stream, stderr: stream, env: {}, text: () => text };
    };
    const argv = ['list', '--color', 'purple'];
    const viaMain = capture();
    expect(await main(argv, viaMain)).toBe(1);
    const fast = capture();
    expect(await runFastList(parseFastList(argv)!, fast)).toBe(1);
    expect(fast.text()).toBe('error: invalid --color "purple"\nhint: valid values: auto, always, never\n');
    expect(fast.text()).toBe(viaMain.text());
  });
});
