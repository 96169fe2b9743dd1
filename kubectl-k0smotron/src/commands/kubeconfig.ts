// `kubeconfig`: a kubeconfig for a Cluster — by default a short-lived one of your own (a client
// certificate naming you, signed from the Cluster's CA), or with --admin the stored shared admin
// kubeconfig — printed, merged into yours, or used for one command.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import type { Wire } from '@k0smotron/api/kube';
import { clusterCaSecretName, formatGoDuration, statusWriter, tryParseGoDuration, type Cluster } from '@k0smotron/api';
import { resolveClusterEndpoint } from '@k0smotron/api/client';
import { DEFAULT_USER_KUBECONFIG_LIFETIME_MS, checkUserKubeconfigLifetime, signUserKubeconfig } from '@k0smotron/operator/pki';
import { CliError, toCliError } from '../errors';
import { mergeKubeconfig } from '../kubeconfig/merge';
import { FILE_MODE, writeKubeconfigFile } from '../kubeconfig/write';
import { FIELD_MANAGER, type Session } from '../session';
import { requireCluster } from './common';

export interface KubeconfigArgs {
  name: string;
  merge: boolean;
  contextName?: string;
  use: boolean;
  admin: boolean;
  expiry?: string;
  '--'?: (string | number)[];
}

async function readAdminKubeconfig(s: Session, name: string): Promise<string> {
  const namespace = s.namespace;
  await requireCluster(s, name);
  const text = await s.call({ verb: 'get', resource: 'secrets', namespace, name: `${name}-kubeconfig` }, () => s.client.readKubeconfig(namespace, name));
  if (!text) {
    throw new CliError(
      `the kubeconfig of cluster "${name}" is not ready yet (Secret ${name}-kubeconfig does not exist)`,
      `it appears once a controller is ready; follow with \`kubectl k0smotron status ${name}\``,
    );
  }
  s.progress(
    `warning: this is the shared admin kubeconfig of cluster "${name}" (break-glass): everyone using it acts as "admin", ` +
      `it stays valid for up to 7 days (the operator renews the stored one) and cannot be revoked short of replacing the CA; without --admin you get a short-lived kubeconfig of your own`,
  );
  return text;
}

function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown } | undefined;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.status === 'number') return e.status;
  return undefined;
}

/** The CA certificate and key of a Cluster, with errors that say which Secret and why. */
async function readCa(s: Session, cluster: Cluster): Promise<{ cert: string; key: string }> {
  const namespace = cluster.metadata.namespace ?? s.namespace;
  const clusterName = cluster.metadata.name ?? '';
  const secretName = clusterCaSecretName(cluster);
  const provided = secretName !== `${clusterName}-ca`;
  let secret: Wire<V1Secret> | undefined;
  try {
    secret = await s.objects.get('Secret', namespace, secretName);
  } catch (err) {
    if (statusOf(err) === 403) {
      throw new CliError(
        `forbidden: you may not read the CA Secret "${secretName}" in namespace "${namespace}", which signs your kubeconfig for cluster "${clusterName}"`,
        `ask an administrator for the RBAC permission "get" on secrets "${secretName}" in "${namespace}"; ` +
          `or, with "get" on secrets "${clusterName}-kubeconfig", take the shared admin kubeconfig: \`kubectl k0smotron kubeconfig ${clusterName} --admin\``,
      );
    }
    throw toCliError(
      err,
      { verb: 'get', resource: 'secrets', namespace, name: secretName },
      { server: s.kube.server, requestTimeoutMs: s.kube.requestTimeoutMs },
    );
  }
  if (!secret) {
    throw new CliError(
      provided
        ? `the CA Secret "${secretName}" named in spec.certificateRefs of cluster "${clusterName}" does not exist in namespace "${namespace}"`
        : `the CA of cluster "${clusterName}" is not ready yet (Secret ${secretName} does not exist)`,
      provided ? 'create it with keys tls.crt and tls.key' : `the operator creates it first; follow with \`kubectl k0smotron status ${clusterName}\``,
    );
  }
  const { data } = secret;
  const decode = (key: string) => {
    const b64 = data?.[key];
    return b64 ? Buffer.from(b64, 'base64').toString('utf8') : '';
  };
  const cert = decode('tls.crt');
  const key = decode('tls.key');
  if (!cert || !key) {
    throw new CliError(
      `the CA Secret "${secretName}" in namespace "${namespace}" lacks tls.crt or tls.key`,
      'it must hold the CA certificate and key in PEM form',
    );
  }
  return { cert, key };
}

/**
 * Who the management cluster says you are: its answer to a SelfSubjectReview
 * (authentication.k8s.io/v1, Kubernetes 1.28 and later). Older servers cannot tell, so the name
 * of the kubeconfig's user entry stands in: it names the person in the child's audit log as well
 * as their kubeconfig does, but nothing verified it.
 */
async function currentUser(s: Session): Promise<{ name: string; verified: boolean }> {
  try {
    const review = await s.objects.create('SelfSubjectReview', undefined, {}, { fieldManager: FIELD_MANAGER });
    const name = review.status?.userInfo?.username;
    if (name) return { name, verified: true };
  } catch {
    // Not served (404 before 1.28) or refused: fall back to the kubeconfig.
  }
  const entry = s.kc.getCurrentUser()?.name;
  if (!entry) {
    throw new CliError(
      'cannot tell who you are: the API server has no SelfSubjectReview and the kubeconfig context has no user',
      'pick a context with a user entry (--context)',
    );
  }
  return { name: entry, verified: false };
}

function lifetimeMs(args: KubeconfigArgs): number {
  if (args.expiry === undefined) return DEFAULT_USER_KUBECONFIG_LIFETIME_MS;
  const ms = tryParseGoDuration(args.expiry);
  if (ms === undefined) throw new CliError(`invalid --expiry "${args.expiry}"`, 'use a duration such as 8h, 30m or 90s (at most 168h)');
  try {
    checkUserKubeconfigLifetime(ms);
  } catch (err) {
    throw new CliError(`invalid --expiry "${args.expiry}": ${(err as Error).message}`, 'use a duration between 1s and 168h');
  }
  return ms;
}

async function signForCurrentUser(s: Session, name: string, lifetime: number): Promise<string> {
  const cluster = await requireCluster(s, name);
  const server = (await resolveClusterEndpoint(s.objects, cluster))?.url;
  if (!server) {
    const upstream = statusWriter(cluster) === 'upstream';
    throw new CliError(
      upstream
        ? `the API address of cluster "${name}" is not known yet (the upstream k0smotron operator manages it and has not set spec.externalAddress)`
        : `the API address of cluster "${name}" is not known yet (no status.endpoint)`,
      `it appears once its Service has an address; follow with \`kubectl k0smotron status ${name}\``,
    );
  }
  const ca = await readCa(s, cluster);
  const who = await currentUser(s);
  const kc = signUserKubeconfig({ clusterName: name, server, ca, user: who.name, lifetimeMs: lifetime, now: new Date() });
  s.progress(
    `Signed a kubeconfig for user "${kc.user}" (group ${kc.groups.join(', ')}; ` +
      `${who.verified ? 'as the API server knows you' : "named after the kubeconfig's user entry: the API server is too old to say who you are"}), ` +
      `valid until ${kc.notAfter.toISOString()} (${formatGoDuration(lifetime)}).`,
  );
  return kc.yaml;
}

export async function runKubeconfig(s: Session, args: KubeconfigArgs): Promise<number | void> {
  const command = (args['--'] ?? []).map(String);
  if (command.length > 0 && args.merge) throw new CliError('--merge cannot be combined with a command after --', 'drop one of them');
  if (!args.merge && (args.contextName !== undefined || args.use)) {
    throw new CliError(`${args.use ? '--use' : '--context-name'} only applies with --merge`, 'add --merge');
  }
  if (args.admin && args.expiry !== undefined) {
    throw new CliError('--expiry does not apply to --admin', "the stored admin kubeconfig's lifetime is set by the operator; drop one of them");
  }
  const lifetime = args.admin ? 0 : lifetimeMs(args);
  const text = args.admin ? await readAdminKubeconfig(s, args.name) : await signForCurrentUser(s, args.name, lifetime);

  if (command.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'k0smotron-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, text, { mode: 0o600 });
    try {
      return await new Promise<number>((resolve, reject) => {
        const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...s.io.env, KUBECONFIG: file } });
        child.on('error', err =>
          reject(
            new CliError(`cannot run ${command[0]}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, 'check that the command is installed and on PATH'),
          ),
        );
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (!args.merge) {
    s.print(text);
    return;
  }
  const path = s.flags.kubeconfig ?? s.kube.kubeconfigPath;
  let existing = '';
  try {
    existing = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the file and its permissions');
    }
  }
  const result = mergeKubeconfig({
    existing,
    source: text,
    namespace: s.namespace,
    cluster: args.name,
    contextName: args.contextName,
    use: args.use,
  });
  if (result.unchanged) {
    // Nothing to write, but the file holds credentials all the same: owner-only.
    const tightened = (statSync(path).mode & 0o777) !== FILE_MODE;
    if (tightened) chmodSync(path, FILE_MODE);
    s.progress(`Context "${result.contextName}" in ${path} is already up to date${tightened ? ' (mode set to 0600)' : ''}.`);
    return;
  }
  const written = writeKubeconfigFile(path, result.text);
  s.progress(
    `Context "${result.contextName}" ${result.replaced ? 'updated' : 'added'} in ${written.path}${written.backup ? ` (backup: ${written.backup})` : ''}.` +
      (args.use ? ` Switched to it.` : ` Use it with \`kubectl --context ${result.contextName} …\`.`),
  );
}
