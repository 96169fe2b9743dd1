// Running the components: each in its own process group with its output in a log file, stopped
// together, and never left behind — not when the caller forgets stop(), is interrupted, throws,
// or is killed outright (a small watchdog shell process reaps the components then).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ComponentCommand } from './components';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Set once the process has exited. */
  exit?: ExitInfo;
  exited: Promise<ExitInfo>;
}

/** The last `lines` lines of a file ('' when it does not exist). */
export function tailFile(file: string, lines = 40): string {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all.slice(-lines).join('\n');
}

function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const state = processState(pid);
  if (state !== undefined) return state !== 'Z' && state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of live processes in process group `pgid` (scanning /proc). */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] = state, fields[2] = pgrp
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(e));
    } catch {
      // raced with an exit
    }
  }
  return out;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuffer, 0, 0, ms);
}

const live = new Set<ProcessSupervisor>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const s of [...live]) s.killSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      // Someone else handles this signal (e.g. the CLI stopping gracefully); the 'exit' hook
      // remains the safety net. Otherwise clean up and die of the signal as we would have.
      if (process.listenerCount(sig) > 1) return;
      for (const s of [...live]) s.killSync();
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

// Reaps the components if the Node process dies without running its exit hooks (SIGKILL, OOM).
const WATCHDOG_SCRIPT = `
parent=$1; dir=$2
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if [ -f "$dir/.pgids" ]; then
  for g in $(cat "$dir/.pgids"); do kill -TERM "-$g" 2>/dev/null; done
  sleep 2
  for g in $(cat "$dir/.pgids"); do kill -KILL "-$g" 2>/dev/null; done
fi
case "$dir" in */k0smotron-testenv-*) rm -rf "$dir";; esac
`;

/**
 * Owns every process of one test cluster and, when `removeDirOnStop`, its directory.
 */
export class ProcessSupervisor {
  readonly processes: ManagedProcess[] = [];
  private watchdog?: ChildProcess;
  private stopped = false;
  private readonly commands = new Map<ManagedProcess, ComponentCommand>();

  constructor(
    readonly dir: string,
    private readonly removeDirOnStop: boolean,
  ) {
    installExitHooks();
    live.add(this);
    this.watchdog = spawn('sh', ['-c', WATCHDOG_SCRIPT, 'k0smotron-testenv-watchdog', String(process.pid), dir], {
      detached: true,
      stdio: 'ignore',
    });
    this.watchdog.unref();
  }

  start(cmd: ComponentCommand, logFile: string): ManagedProcess {
    if (this.stopped) throw new Error(`cannot start ${cmd.name}: the cluster is stopping`);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const fd = fs.openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(cmd.command, cmd.args, {
        detached: true, // own process group: stop() signals the whole group
        stdio: ['ignore', fd, fd],
        // Marks the process as this cluster's, so a leftover can always be found in /proc.
        env: { ...process.env, ...cmd.env, K0SMOTRON_TESTENV_DIR: this.dir },
      });
    } finally {
      fs.closeSync(fd);
    }
    if (child.pid === undefined) {
      throw new Error(`could not start ${cmd.name} (${cmd.command}); is it installed and executable?`);
    }
    const managed: ManagedProcess = {
      name: cmd.name,
      pid: child.pid,
      logFile,
      exited: new Promise<ExitInfo>(resolve => {
        child.once('exit', (code, signal) => {
          managed.exit = { code, signal };
          resolve(managed.exit);
        });
      }),
    };
    child.once('error', err => {
      fs.appendFileSync(logFile, `\n[testenv] failed to run ${cmd.command}: ${err.message}\n`);
    });
    child.unref();
    this.processes.push(managed);
    this.commands.set(managed, cmd);
    fs.appendFileSync(path.join(this.dir, '.pgids'), `${child.pid}\n`);
    return managed;
  }

  /**
   * Stops one process (its whole group) with `signal` (SIGKILL after `timeoutMs`) and starts the
   * same command again in its place, so it keeps its position in the stop order. Returns the new
   * process; the old one is forgotten (it is dead), so `firstExited()` does not report it.
   */
  async restart(old: ManagedProcess, opts: { signal?: NodeJS.Signals; timeoutMs?: number; downMs?: number } = {}): Promise<ManagedProcess> {
    const cmd = this.commands.get(old);
    if (!cmd || !this.processes.includes(old)) throw new Error(`cannot restart ${old.name}: not a running process of this supervisor`);
    if (this.stopped) throw new Error(`cannot restart ${old.name}: the cluster is stopping`);
    // Forgotten at once: a second restart of it meanwhile fails instead of starting a twin.
    this.commands.delete(old);
    const gone = () => groupMembers(old.pid).length === 0 && !isAlive(old.pid);
    const waitGone = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline && !gone()) await new Promise(r => setTimeout(r, 25));
    };
    signalGroup(old.pid, opts.signal ?? 'SIGTERM');
    await waitGone(opts.timeoutMs ?? 10_000);
    if (!gone()) {
      signalGroup(old.pid, 'SIGKILL');
      await waitGone(2_000);
      if (!gone()) throw new Error(`cannot restart ${old.name}: pid ${old.pid} survived SIGKILL`);
    }
    await Promise.race([old.exited, new Promise(r => setTimeout(r, 2_000))]);
    if (opts.downMs) await new Promise(r => setTimeout(r, opts.downMs));
    // start() refuses once stop() has begun: nothing new can outlive the cluster.
    const fresh = this.start(cmd, old.logFile);
    this.processes.splice(this.processes.indexOf(fresh), 1);
    this.processes.splice(this.processes.indexOf(old), 1, fresh);
    // The watchdog signals every listed group: a dead group's id could be reused by a stranger.
    const pgids = path.join(this.dir, '.pgids');
    fs.writeFileSync(`${pgids}.new`, this.processes.map(p => `${p.pid}\n`).join(''));
    fs.renameSync(`${pgids}.new`, pgids);
    return fresh;
  }

  /** The first process that has exited, if any (a component must never exit on its own). */
  firstExited(): ManagedProcess | undefined {
    return this.processes.find(p => p.exit !== undefined);
  }

  /** Graceful: SIGTERM every group, wait, SIGKILL what remains, then remove the directory. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // Reverse start order, one at a time: the apiserver's clients first, then the apiserver
    // (which drains faster while etcd still answers), etcd last.
    const procs = [...this.processes].reverse();
    const deadline = Date.now() + timeoutMs;
    const running = (p: ManagedProcess) => groupMembers(p.pid).length > 0 || isAlive(p.pid);
    for (const p of procs) {
      signalGroup(p.pid, 'SIGTERM');
      while (Date.now() < deadline && running(p)) await new Promise(r => setTimeout(r, 25));
    }
    for (const p of procs) signalGroup(p.pid, 'SIGKILL');
    await Promise.all(procs.map(p => Promise.race([p.exited, new Promise(r => setTimeout(r, 2_000))])));
    this.finish();
  }

  /** For exit hooks: the same, synchronously. */
  killSync(timeoutMs = 3_000): void {
    if (this.stopped && !live.has(this)) return;
    this.stopped = true;
    const procs = [...this.processes].reverse();
    for (const p of procs) signalGroup(p.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && procs.some(p => groupMembers(p.pid).length > 0)) sleepSync(50);
    for (const p of procs) signalGroup(p.pid, 'SIGKILL');
    this.finish();
  }

  private finish(): void {
    live.delete(this);
    if (this.watchdog?.pid !== undefined) signalGroup(this.watchdog.pid, 'SIGKILL');
    if (this.removeDirOnStop) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
