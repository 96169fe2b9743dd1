// What every command gets: the global flags, the output streams, colours, and (loaded only when
// a command talks to the API) the kubeconfig, the request layer, the typed client and error
// translation. Every request of a run goes through one KubeApi, so --request-timeout and -v
// apply to all of them alike.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApi, KubeObjects } from '@k0smotron/api/kube';
import type { K0smotronClient } from '@k0smotron/api/client';
import { colorEnabled, palette, type ColorMode, type Palette } from './output/color';
import { CliError, toCliError, type Operation } from './errors';
import type { KubeTarget, loadKube } from './kube';

export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  requestTimeout?: string;
  v?: number;
  color?: string;
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export const FIELD_MANAGER = 'kubectl-k0smotron';

export class Session {
  readonly out: Palette;
  readonly err: Palette;
  readonly verbosity: number;
  private target?: KubeTarget;
  private k0s?: K0smotronClient;
  private kubeApi?: KubeApi;
  private kubeObjects?: KubeObjects;

  constructor(
    readonly flags: GlobalFlags,
    readonly io: Io,
    private readonly loaders: {
      loadKube: typeof loadKube;
      /** Absent in the `list` bundle, which makes its one request without the typed client. */
      K0smotronClient?: typeof K0smotronClient;
    },
  ) {
    const mode = (flags.color ?? 'auto') as ColorMode;
    if (!['auto', 'always', 'never'].includes(mode)) {
      throw new CliError(`invalid --color "${flags.color}"`, 'valid values: auto, always, never');
    }
    this.out = palette(colorEnabled(mode, !!io.stdout.isTTY, io.env));
    this.err = palette(colorEnabled(mode, !!io.stderr.isTTY, io.env));
    this.verbosity = flags.v ?? 0;
  }

  get kube(): KubeTarget {
    this.target ??= this.loaders.loadKube({
      kubeconfig: this.flags.kubeconfig,
      context: this.flags.context,
      namespace: this.flags.namespace,
      requestTimeout: this.flags.requestTimeout,
      verbosity: this.verbosity,
      log: line => this.log(6, line),
    });
    return this.target;
  }

  get kc(): KubeConfig {
    return this.kube.kc;
  }

  get namespace(): string {
    return this.kube.namespace;
  }

  /** The request layer of this run, with the context's credentials, --request-timeout and -v logging. */
  get api(): KubeApi {
    this.kubeApi ??= new KubeApi(this.kc, undefined, {
      requestTimeoutMs: this.kube.requestTimeoutMs,
      onSend: (method, url) => this.log(6, `${method} ${url}`),
    });
    return this.kubeApi;
  }

  /** Typed reads and writes of built-in objects (Secrets, Services, StatefulSets, …). */
  get objects(): KubeObjects {
    this.kubeObjects ??= new KubeObjects(this.api);
    return this.kubeObjects;
  }

  get client(): K0smotronClient {
    const Client = this.loaders.K0smotronClient;
    if (!Client) throw new Error('this command was loaded without the Kubernetes client');
    this.k0s ??= new Client(this.kc, { fieldManager: FIELD_MANAGER, kubeApi: this.api });
    return this.k0s;
  }

  /** Runs one API request; any failure becomes a one-line CliError naming the operation. */
  async call<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toCliError(err, op, { server: this.kube.server, requestTimeoutMs: this.kube.requestTimeoutMs });
    }
  }

  /** Data for the user: stdout. */
  print(text: string): void {
    this.io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  /** Progress and notes: stderr. */
  progress(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** Debug lines shown at -v LEVEL and above. */
  log(level: number, text: string): void {
    if (this.verbosity >= level) this.io.stderr.write(`${this.err.dim(`I ${new Date().toISOString()} ${text}`)}\n`);
  }
}
