// Loading the user's kubeconfig the way kubectl does: --kubeconfig, else $KUBECONFIG (a list of
// files), else ~/.kube/config; --context picks a context; the namespace defaults to the
// context's. --request-timeout and -v are applied to every request through the KubeConfig.
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig, type Cluster, type Context, type RequestContext, type User } from '@kubernetes/client-node';
import { tryParseGoDuration } from '@k0smotron/api';
import { CliError } from './errors';

export interface KubeOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  requestTimeout?: string;
  verbosity?: number;
  /** Where -v request logs go. */
  log?: (line: string) => void;
}

/** A KubeConfig whose every request carries the timeout and is logged at -v 6 and above. */
class PluginKubeConfig extends KubeConfig {
  requestTimeoutMs = 0;
  verbosity = 0;
  log: (line: string) => void = () => {};

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (this.requestTimeoutMs > 0) context.setSignal(AbortSignal.timeout(this.requestTimeoutMs));
    if (this.verbosity >= 6) this.log(`${context.getHttpMethod()} ${context.getUrl()}`);
  }
}

export interface KubeTarget {
  kc: KubeConfig;
  /** Namespace from -n, else from the context, else "default". */
  namespace: string;
  namespaceFromFlag: boolean;
  server: string;
  contextName: string;
  /** The kubeconfig file the plugin would write to (--merge). */
  kubeconfigPath: string;
  requestTimeoutMs: number;
}

/** The files listed in $KUBECONFIG, in order. */
export function kubeconfigChain(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KUBECONFIG ?? '').split(delimiter).filter(p => p.length > 0);
}

/**
 * The file new entries go to, by kubectl's rule: the first file of $KUBECONFIG that exists, else
 * the last one listed; without $KUBECONFIG, ~/.kube/config.
 */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string {
  const chain = kubeconfigChain(env);
  if (chain.length > 0) return chain.find(exists) ?? chain[chain.length - 1];
  const home = env.HOME ?? env.USERPROFILE ?? '';
  return `${home}/.kube/config`;
}

/**
 * Merges the $KUBECONFIG files as kubectl does: files that do not exist are skipped, and the first
 * file to name a cluster, user or context, or to set current-context, wins. (client-node's
 * loadFromDefault fails on a missing file or a repeated name, and lets later files win.)
 */
function loadChain(kc: KubeConfig, files: string[]): void {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const file of files.filter(f => existsSync(f))) {
    const one = new KubeConfig();
    one.loadFromFile(file);
    for (const c of one.clusters) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.users) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.contexts) if (!contexts.has(c.name)) contexts.set(c.name, c);
    currentContext ||= one.currentContext;
  }
  kc.loadFromOptions({ clusters: [...clusters.values()], users: [...users.values()], contexts: [...contexts.values()], currentContext });
}

export function loadKube(opts: KubeOptions): KubeTarget {
  const kc = new PluginKubeConfig();
  const requestTimeoutMs = opts.requestTimeout ? parseRequestTimeout(opts.requestTimeout) : 0;
  kc.requestTimeoutMs = requestTimeoutMs;
  kc.verbosity = opts.verbosity ?? 0;
  if (opts.log) kc.log = opts.log;
  const kubeconfigPath = opts.kubeconfig ?? defaultKubeconfigPath();
  const chain = kubeconfigChain();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    // When none of the listed files exists, loading the one named in the error says so.
    else if (chain.length > 0 && !chain.some(f => existsSync(f))) kc.loadFromFile(kubeconfigPath);
    else if (chain.length > 0) loadChain(kc, chain);
    else kc.loadFromDefault();
  } catch (err) {
    throw new CliError(
      `cannot load kubeconfig ${opts.kubeconfig ?? (chain.length > 1 ? chain.join(delimiter) : kubeconfigPath)}: ${(err as Error).message.split('\n')[0]}`,
      'pass --kubeconfig PATH or set KUBECONFIG',
    );
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const names = kc.getContexts().map(c => c.name);
      throw new CliError(
        `context "${opts.context}" not found in the kubeconfig`,
        names.length ? `contexts: ${names.join(', ')}` : 'the kubeconfig has no contexts',
      );
    }
    kc.setCurrentContext(opts.context);
  }
  const contextName = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new CliError('no current cluster in the kubeconfig', 'pass --kubeconfig PATH and --context NAME, or run `kubectl config use-context NAME`');
  }
  const ctxNamespace = kc.getContextObject(contextName)?.namespace;
  return {
    kc,
    namespace: opts.namespace || ctxNamespace || 'default',
    namespaceFromFlag: !!opts.namespace,
    server: cluster.server,
    contextName,
    kubeconfigPath,
    requestTimeoutMs,
  };
}

/** kubectl's --request-timeout: "0" (none), a bare number of seconds, or a duration like 5s / 1m. */
export function parseRequestTimeout(value: string): number {
  const v = value.trim();
  if (/^[0-9]+$/.test(v)) return Number(v) * 1000;
  const ms = tryParseGoDuration(v);
  if (ms === undefined) {
    throw new CliError(`invalid --request-timeout "${value}"`, 'use a number of seconds or a duration such as 10s, 1m or 0 (no timeout)');
  }
  return ms;
}
