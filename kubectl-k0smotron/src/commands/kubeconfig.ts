// `kubeconfig`: print a Cluster's admin kubeconfig, merge it into the user's kubeconfig (backup
// first, never overwriting a context we did not write), or run one command with it.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../errors';
import { mergeKubeconfig } from '../kubeconfig/merge';
import type { Session } from '../session';
import { requireCluster } from './common';

export interface KubeconfigArgs {
  name: string;
  merge: boolean;
  contextName?: string;
  use: boolean;
  '--'?: (string | number)[];
}

async function readAdminKubeconfig(s: Session, name: string): Promise<string> {
  const namespace = s.namespace;
  await requireCluster(s, name);
  const text = await s.call({ verb: 'get', resource: 'secrets', namespace, name: `${name}-kubeconfig` }, () =>
    s.client.readKubeconfig(namespace, name),
  );
  if (!text) {
    throw new CliError(
      `the kubeconfig of cluster "${name}" is not ready yet (Secret ${name}-kubeconfig does not exist)`,
      `it appears once a controller is ready; follow with \`kubectl k0smotron status ${name}\``,
    );
  }
  return text;
}

/** `name.k0smotron-backup-20261121T053000Z` next to the file. */
export function backupPath(path: string, now: Date): string {
  return `${path}.k0smotron-backup-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

export async function runKubeconfig(s: Session, args: KubeconfigArgs): Promise<number | void> {
  const command = (args['--'] ?? []).map(String);
  if (command.length > 0 && args.merge) throw new CliError('--merge cannot be combined with a command after --', 'drop one of them');
  if (!args.merge && (args.contextName !== undefined || args.use)) {
    throw new CliError(`${args.use ? '--use' : '--context-name'} only applies with --merge`, 'add --merge');
  }
  const admin = await readAdminKubeconfig(s, args.name);

  if (command.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'k0smotron-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, admin, { mode: 0o600 });
    try {
      return await new Promise<number>((resolve, reject) => {
        const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...s.io.env, KUBECONFIG: file } });
        child.on('error', err =>
          reject(new CliError(`cannot run ${command[0]}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, 'check that the command is installed and on PATH')),
        );
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (!args.merge) {
    s.print(admin);
    return;
  }
  const path = s.flags.kubeconfig ?? s.kube.kubeconfigPath;
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const result = mergeKubeconfig({
    existing,
    admin,
    namespace: s.namespace,
    cluster: args.name,
    contextName: args.contextName,
    use: args.use,
  });
  if (result.unchanged) {
    s.progress(`Context "${result.contextName}" in ${path} is already up to date.`);
    return;
  }
  let backup = '';
  if (existing !== '') {
    backup = backupPath(path, new Date());
    copyFileSync(path, backup);
    chmodSync(backup, 0o600);
  } else {
    mkdirSync(dirname(path), { recursive: true });
  }
  writeFileSync(path, result.text, { mode: 0o600 });
  s.progress(
    `Context "${result.contextName}" ${result.replaced ? 'updated' : 'added'} in ${path}${backup ? ` (backup: ${backup})` : ''}.` +
      (args.use ? ` Switched to it.` : ` Use it with \`kubectl --context ${result.contextName} …\`.`),
  );
}
