// Writing a kubeconfig that holds credentials: readable by its owner only (0600, also when the
// file was 0644 before), never half-written (a temp file next to the target, flushed, then
// renamed over it, so a crash or a full disk leaves the old file as it was), and with exactly
// one backup of the previous content (`FILE.bak`, 0600, replaced on each write) instead of a
// growing pile of copies of old credentials.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../errors';

export const FILE_MODE = 0o600;

export interface WriteResult {
  /** The file written (a symlinked kubeconfig is written through to its target). */
  path: string;
  /** `FILE.bak`, when there was a previous content to keep. */
  backup?: string;
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.k0smotron-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** Creates `path` (must not exist) with mode 0600 and the content, flushed to disk. */
function writeNew(path: string, data: string | Buffer): void {
  const fd = openSync(path, 'wx', FILE_MODE);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    // The umask can only take bits away; this sets 0600 exactly whatever it is.
    fchmodSync(fd, FILE_MODE);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory entry change (the rename) where the platform allows it. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not possible everywhere (e.g. Windows); the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replaces `target` with `text` atomically, mode 0600, keeping the previous content in
 * `target.bak`. On any failure the target is left untouched and no temp file stays behind.
 */
export function writeKubeconfigFile(target: string, text: string): WriteResult {
  // Follow a symlink, so a kubeconfig linked from elsewhere stays a link to the updated file.
  const path = existsSync(target) ? realpathSync(target) : target;
  const previous = existsSync(path) ? readFileSync(path) : undefined;
  const temps: string[] = [];
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = tempPathFor(path);
    temps.push(tmp);
    writeNew(tmp, text);
    let backup: string | undefined;
    if (previous !== undefined) {
      backup = `${path}.bak`;
      const bakTmp = tempPathFor(backup);
      temps.push(bakTmp);
      writeNew(bakTmp, previous);
      renameSync(bakTmp, backup);
    }
    renameSync(tmp, path);
    syncDir(dirname(path));
    return { path, backup };
  } catch (err) {
    for (const t of temps) rmSync(t, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new CliError(
      `cannot write ${target}: ${e.code ?? e.message}${e.path && e.path !== target ? ` (${e.path})` : ''}`,
      `${target} was not changed; check the permissions and free space of ${dirname(path)}`,
    );
  }
}
