// Runs the real kubectl (Debian's 1.20 build from binDir()) against a test cluster.
import { spawn } from 'node:child_process';
import { kubectlPath as defaultKubectlPath } from './binaries';

export interface KubectlOptions {
  /** Kubeconfig to use; default the shared test cluster's (integration tests). */
  kubeconfig?: string;
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** kubectl binary; default kubectlPath(). */
  kubectl?: string;
  /** Kill kubectl after this long; default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  /** Exit code; -1 when kubectl was killed (timeout) or could not start. */
  code: number;
}

export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const kubeconfig = opts.kubeconfig ?? process.env.K0SMOTRON_TEST_KUBECONFIG;
  if (!kubeconfig) {
    throw new Error('kubectl(): pass { kubeconfig } (no shared test cluster: K0SMOTRON_TEST_KUBECONFIG is unset)');
  }
  const bin = opts.kubectl ?? process.env.K0SMOTRON_TEST_KUBECTL ?? defaultKubectlPath();
  return new Promise(resolve => {
    const child = spawn(bin, [`--kubeconfig=${kubeconfig}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', d => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', d => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', err => {
      clearTimeout(timer);
      resolve({ stdout, stderr: `${stderr}could not run ${bin}: ${err.message}\n`, code: -1 });
    });
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? -1 });
    });
    child.stdin.on('error', () => undefined); // kubectl may exit before reading all input
    child.stdin.end(opts.input ?? '');
  });
}
