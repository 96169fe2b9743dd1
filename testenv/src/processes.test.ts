import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { firstLine } from './testdata/firstLine';
import { groupMembers, isAlive, ProcessSupervisor, tailFile } from './processes';

describe('ProcessSupervisor (real processes, no cluster)', () => {
  it('stops each process with its whole group and removes the dir', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k0smotron-testenv-unit-'));
    const sup = new ProcessSupervisor(dir, true);
    // A child that forks a grandchild: only a group kill reaches both.
    const p = sup.start({ name: 'forker', command: 'sh', args: ['-c', 'sleep 300 & echo started; wait'] }, path.join(dir, 'logs', 'forker.log'));
    const q = sup.start({ name: 'sleeper', command: 'sleep', args: ['300'] }, path.join(dir, 'logs', 'sleeper.log'));
    for (let i = 0; i < 50 && groupMembers(p.pid).length < 2; i++) await new Promise(r => setTimeout(r, 20));
    const members = groupMembers(p.pid);
    expect(members.length).toBe(2);
    expect(tailFile(p.logFile)).toBe('started');
    expect(fs.readFileSync(path.join(dir, '.pgids'), 'utf8').trim().split('\n').map(Number)).toEqual([p.pid, q.pid]);
    expect(sup.firstExited()).toBeUndefined();
    await sup.stop(5000);
    expect([...members, q.pid].filter(isAlive)).toEqual([]);
    expect(p.exit?.signal ?? p.exit?.code).toBeDefined();
    expect(fs.existsSync(dir)).toBe(false);
    expect(() => sup.start({ name: 'late', command: 'true', args: [] }, path.join(dir, 'x.log'))).toThrow(/stopping/);
  });

  it('restarts one process in its place: old group gone, same command, same stop order, nothing left after stop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k0smotron-testenv-unit-'));
    const sup = new ProcessSupervisor(dir, true);
    const a = sup.start({ name: 'a', command: 'sleep', args: ['300'] }, path.join(dir, 'a.log'));
    // Ignores SIGTERM and has a grandchild: only the group SIGKILL after the timeout ends it.
    const b = sup.start({ name: 'b', command: 'sh', args: ['-c', 'trap "" TERM; echo run; sleep 300 & wait; wait'] }, path.join(dir, 'b.log'));
    const c = sup.start({ name: 'c', command: 'sleep', args: ['300'] }, path.join(dir, 'c.log'));
    for (let i = 0; i < 50 && groupMembers(b.pid).length < 2; i++) await new Promise(r => setTimeout(r, 20));
    const oldMembers = groupMembers(b.pid);
    expect(oldMembers.length).toBe(2);

    const t = Date.now();
    const b2 = await sup.restart(b, { timeoutMs: 300, downMs: 200 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(500);
    expect(oldMembers.filter(isAlive)).toEqual([]);
    expect(b.exit?.signal).toBe('SIGKILL');
    expect(b2.pid).not.toBe(b.pid);
    expect(isAlive(b2.pid)).toBe(true);
    expect(sup.processes.map(p => [p.name, p.pid])).toEqual([
      ['a', a.pid],
      ['b', b2.pid],
      ['c', c.pid],
    ]);
    expect(sup.firstExited()).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, '.pgids'), 'utf8').trim().split('\n').map(Number)).toEqual([a.pid, b2.pid, c.pid]);
    for (let i = 0; i < 50 && tailFile(b2.logFile) !== 'run\nrun'; i++) await new Promise(r => setTimeout(r, 20));
    expect(tailFile(b2.logFile)).toBe('run\nrun'); // same command, same log file (appended)
    await expect(sup.restart(b)).rejects.toThrow(/not a running process/);

    // A graceful one: SIGTERM suffices, no wait for the timeout.
    const t2 = Date.now();
    // The kill timeout is made far longer than the bound, so the bound can only be missed by
    // waiting for the timeout, never by a slow machine.
    const a2 = await sup.restart(a, { timeoutMs: 120_000 });
    expect(Date.now() - t2).toBeLessThan(30_000);
    expect(a.exit?.signal).toBe('SIGTERM');

    const members = [...groupMembers(b2.pid), a2.pid, c.pid];
    await sup.stop(1000);
    expect(members.filter(isAlive)).toEqual([]);
    await expect(sup.restart(a2)).rejects.toThrow(/stopping/);
  }, 60_000); // longer than the 30 s bound above, so that bound is what fails

  it('notices a process that exits on its own', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k0smotron-testenv-unit-'));
    const sup = new ProcessSupervisor(dir, true);
    const p = sup.start({ name: 'quitter', command: 'sh', args: ['-c', 'echo bye; exit 3'] }, path.join(dir, 'q.log'));
    await p.exited;
    expect(sup.firstExited()?.exit).toEqual({ code: 3, signal: null });
    await sup.stop();
  });
});

describe('tailFile', () => {
  it('returns the last lines, or nothing for a missing file', () => {
    const f = path.join(os.tmpdir(), `testenv-tail-${process.pid}`);
    fs.writeFileSync(f, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailFile(f, 3)).toBe('line 97\nline 98\nline 99');
    fs.rmSync(f);
    expect(tailFile(f)).toBe('');
  });
});

describe('no process left behind when the owner dies (real processes, no cluster)', () => {
  const fixture = path.join(__dirname, 'testdata', 'holdProcesses.ts');
  const repoRoot = path.resolve(__dirname, '../..');

  async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise(r => setTimeout(r, 100));
    }
  }

  it.each([['SIGINT'], ['SIGTERM'], ['SIGKILL']] as const)(
    '%s',
    async signal => {
      // One Node process (no tsx CLI wrapper), so the signal reaches the supervisor's owner.
      const child = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        const line = await firstLine(child, 'fixture');
        const { dir, pids } = JSON.parse(line) as { dir: string; pids: number[] };
        await until('the grandchild', () => groupMembers(pids[0]).length === 2, 5000);
        const members = [...groupMembers(pids[0]), pids[1]];
        const exited = new Promise<NodeJS.Signals | null>(r => child.once('exit', (_code, sig) => r(sig)));
        child.kill(signal);
        // The owner still dies of the signal (the hook re-raises it) ...
        expect(await exited).toBe(signal);
        if (signal !== 'SIGKILL') {
          // ... and its signal hook had already reaped everything before it died: not the watchdog.
          expect(members.filter(isAlive)).toEqual([]);
          expect(fs.existsSync(dir)).toBe(false);
        }
        // After SIGKILL no hook runs: the watchdog notices within 1 s, then TERM, 2 s, KILL.
        await until('every process gone', () => members.filter(isAlive).length === 0, 10_000);
        await until('the dir removed', () => !fs.existsSync(dir), 5000);
      } finally {
        child.kill('SIGKILL');
      }
    },
    30_000,
  );
});
