// What a machine runs to join a control plane, shared by the CLI, the Backstage backend and the
// UI so every face tells the user the same commands. Browser-safe: plain strings only.
import { DEFAULT_K0S_VERSION } from './constants';
import type { JoinRole } from './schema/jointokenrequest';

/** Where the commands put the token when it is given inline (the CAPI bootstrap's path). */
export const DEFAULT_JOIN_TOKEN_FILE = '/etc/k0s.token';

export interface WorkerJoinOptions {
  /** The join token itself; written to `tokenFile` by the first commands. */
  token?: string;
  /** A file on the machine that already holds the token. */
  tokenFile?: string;
  role?: JoinRole;
  /** The Cluster's k0s version (`v1.30.2-k0s.0`, `v1.30.2+k0s.0` or `v1.30.2`). */
  k0sVersion?: string;
}

/** k0s release names use `+k0s.N`; the image tag form `-k0s.N` and a bare version map onto it. */
export function k0sReleaseVersion(version: string): string {
  const m = /^(v\d+\.\d+\.\d+)(?:[-+]k0s\.(\d+))?$/.exec(version.trim());
  if (!m) throw new Error(`k0sVersion "${version}" is not a k0s version; use e.g. v1.30.2+k0s.0`);
  return `${m[1]}+k0s.${m[2] ?? '0'}`;
}

const TOKEN_CHARS = /^[A-Za-z0-9+/=]+$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * The shell commands, one per line, a machine runs to join as `role` (default worker): install
 * the matching k0s, store the token (0600), install the service with the token, start it.
 */
export function workerJoinCommands(opts: WorkerJoinOptions): string[] {
  const role = opts.role ?? 'worker';
  if (role !== 'worker' && role !== 'controller') throw new Error(`role "${String(role)}" must be worker or controller`);
  if (opts.token === undefined && opts.tokenFile === undefined) throw new Error('give token or tokenFile');
  const tokenFile = opts.tokenFile ?? DEFAULT_JOIN_TOKEN_FILE;
  if (!SAFE_PATH.test(tokenFile)) throw new Error(`tokenFile "${tokenFile}" must be an absolute path of plain characters`);
  const version = k0sReleaseVersion(opts.k0sVersion ?? DEFAULT_K0S_VERSION);
  const commands = [`curl -sSLf https://get.k0s.sh | sudo K0S_VERSION=${version} sh`];
  if (opts.token !== undefined) {
    const token = opts.token.trim();
    // A join token is base64; refusing anything else keeps the quoting below safe.
    if (!TOKEN_CHARS.test(token)) throw new Error('token is not a k0s join token (expected base64 text)');
    commands.push(`sudo install -m 600 /dev/null ${tokenFile}`, `echo '${token}' | sudo tee ${tokenFile} > /dev/null`);
  }
  commands.push(`sudo k0s install ${role} --token-file ${tokenFile}`, 'sudo k0s start');
  return commands;
}
