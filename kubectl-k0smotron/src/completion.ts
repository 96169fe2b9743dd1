// Shell completion. `__complete WORDS…` answers in Cobra's protocol (one candidate per line, then
// `:<directive>`), which kubectl ≥ 1.26 calls through `kubectl_complete-k0smotron`; the bash, zsh
// and fish scripts call the same entry for `kubectl-k0smotron`.
import { CliError } from './errors';
import type { Io } from './session';

/** Cobra ShellCompDirective values. */
export const DIRECTIVE = { default: 0, noSpace: 2, noFileComp: 4, filterFileExt: 8 } as const;

const GLOBAL_FLAGS = ['--kubeconfig', '--context', '--namespace', '-n', '--all-namespaces', '-A', '--request-timeout', '-v', '--color', '--help'];

/** Commands, their flags and which positional they take. */
export const COMMAND_SPEC: Record<string, { flags: string[]; arg?: 'cluster' | 'shell' | 'jtr'; sub?: string[] }> = {
  create: {
    flags: ['-f', '--filename', '--replicas', '--version', '--k0s-version', '--image', '--service-type', '--api-port', '--konnectivity-port', '--external-address', '--storage', '--kine-url', '--kine-secret', '--etcd-size', '--etcd-storage-class', '--persistence', '--persistence-size', '--persistence-storage-class', '--host-path', '--k0s-config', '--labels', '--annotations', '--dry-run', '-o', '--output', '--wait', '--timeout'],
  },
  list: { flags: ['-o', '--output', '-l', '--selector', '--no-headers'], arg: 'cluster' },
  get: { flags: ['-o', '--output', '-l', '--selector', '--no-headers'], arg: 'cluster' },
  status: { flags: ['-o', '--output'], arg: 'cluster' },
  describe: { flags: ['--grouping'], arg: 'cluster' },
  kubeconfig: { flags: ['--expiry', '--admin', '--merge', '--context-name', '--use'], arg: 'cluster' },
  'join-token': { flags: ['--expiry', '--role', '--name', '-o', '--output', '--timeout'], arg: 'cluster', sub: ['create', 'list', 'revoke'] },
  delete: { flags: ['--wait', '--timeout'], arg: 'cluster' },
  scale: { flags: ['--replicas'], arg: 'cluster' },
  upgrade: { flags: ['--version', '--k0s-version'], arg: 'cluster' },
  pause: { flags: [], arg: 'cluster' },
  resume: { flags: [], arg: 'cluster' },
  sleep: { flags: [], arg: 'cluster' },
  wake: { flags: [], arg: 'cluster' },
  install: { flags: ['--dry-run', '-o', '--output', '--wait', '--timeout', '--force'] },
  uninstall: { flags: ['--force', '--dry-run', '--wait', '--timeout'] },
  version: { flags: ['-o', '--output'] },
  completion: { flags: [], arg: 'shell' },
};

const FLAG_VALUES: Record<string, string[]> = {
  '--service-type': ['ClusterIP', 'NodePort', 'LoadBalancer'],
  '--storage': ['etcd', 'kine'],
  '--persistence': ['emptyDir', 'hostPath', 'pvc'],
  '--dry-run': ['client', 'server'],
  '--color': ['auto', 'always', 'never'],
  '--role': ['worker', 'controller'],
};

const OUTPUTS: Record<string, string[]> = {
  create: ['yaml', 'json', 'name'],
  list: ['wide', 'json', 'yaml', 'name'],
  get: ['wide', 'json', 'yaml', 'name'],
  status: ['json', 'yaml'],
  'join-token': ['token', 'script', 'yaml', 'json'],
  install: ['yaml'],
  version: ['json', 'yaml'],
};

/** Flags that take a value (the next word is that value, not a positional). */
const VALUE_FLAGS = new Set([
  '--kubeconfig', '--context', '--namespace', '-n', '--request-timeout', '--color', '-f', '--filename', '--replicas', '--version', '--k0s-version',
  '--image', '--service-type', '--api-port', '--konnectivity-port', '--external-address', '--storage', '--kine-url', '--kine-secret',
  '--etcd-size', '--etcd-storage-class', '--persistence', '--persistence-size', '--persistence-storage-class', '--host-path',
  '--k0s-config', '--labels', '--annotations', '--dry-run', '-o', '--output', '--timeout', '-l', '--selector', '--context-name',
  '--expiry', '--role', '--name',
]);

export interface CompletionPlan {
  candidates: string[];
  directive: number;
  /** Set when candidates must come from the API. */
  needs?: { kind: 'cluster' | 'namespace' | 'context' | 'jtr'; flags: Record<string, string> };
}

/** What to complete for `words` (the last one is the partial word), without any I/O (pure). */
export function planCompletion(words: string[]): CompletionPlan {
  const partial = words.length ? words[words.length - 1] : '';
  const before = words.slice(0, -1);
  const flags: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const w = before[i];
    if (w.startsWith('-')) {
      const eq = w.indexOf('=');
      if (eq > 0) flags[w.slice(0, eq)] = w.slice(eq + 1);
      else if (VALUE_FLAGS.has(w) && i + 1 < before.length) flags[w] = before[++i];
      else flags[w] = 'true';
    } else {
      positionals.push(w);
    }
  }
  const command = positionals[0];
  const prev = before[before.length - 1];
  const filter = (list: string[]) => ({ candidates: list.filter(c => c.startsWith(partial)), directive: DIRECTIVE.noFileComp });

  // The value of a flag.
  if (prev && VALUE_FLAGS.has(prev) && !prev.includes('=')) {
    if (prev === '-f' || prev === '--filename' || prev === '--k0s-config' || prev === '--kubeconfig') {
      return { candidates: [], directive: DIRECTIVE.default };
    }
    if (prev === '-n' || prev === '--namespace') return { candidates: [], directive: DIRECTIVE.noFileComp, needs: { kind: 'namespace', flags } };
    if (prev === '--context') return { candidates: [], directive: DIRECTIVE.noFileComp, needs: { kind: 'context', flags } };
    if (prev === '-o' || prev === '--output') return filter(OUTPUTS[command ?? ''] ?? []);
    return filter(FLAG_VALUES[prev] ?? []);
  }
  if (partial.startsWith('-')) {
    const spec = command ? COMMAND_SPEC[command] : undefined;
    return filter([...(spec?.flags ?? []), ...GLOBAL_FLAGS]);
  }
  if (!command) return filter(Object.keys(COMMAND_SPEC));
  const spec = COMMAND_SPEC[command];
  if (!spec) return { candidates: [], directive: DIRECTIVE.noFileComp };
  if (spec.sub) {
    const sub = positionals[1];
    if (sub === undefined) {
      return { ...filter(spec.sub), needs: { kind: 'cluster', flags } };
    }
    if (sub === 'revoke') return { candidates: [], directive: DIRECTIVE.noFileComp, needs: { kind: 'jtr', flags } };
    if ((sub === 'create' || sub === 'list') && positionals.length === 2) return { candidates: [], directive: DIRECTIVE.noFileComp, needs: { kind: 'cluster', flags } };
    return { candidates: [], directive: DIRECTIVE.noFileComp };
  }
  if (spec.arg === 'shell' && positionals.length === 1) return filter(['bash', 'zsh', 'fish']);
  const multi = command === 'delete' || command === 'list' || command === 'get';
  if (spec.arg === 'cluster' && (positionals.length === 1 || multi)) {
    return { candidates: [], directive: DIRECTIVE.noFileComp, needs: { kind: 'cluster', flags } };
  }
  return { candidates: [], directive: DIRECTIVE.noFileComp };
}

export async function runComplete(words: string[], io: Io): Promise<number> {
  const plan = planCompletion(words);
  const partial = words.length ? words[words.length - 1] : '';
  let candidates = plan.candidates;
  if (plan.needs) {
    try {
      const { loadKube } = await import('./kube');
      const f = plan.needs.flags;
      const kube = loadKube({
        kubeconfig: f['--kubeconfig'],
        context: f['--context'],
        namespace: f['--namespace'] ?? f['-n'],
        requestTimeout: '5s',
      });
      const { K0smotronClient } = await import('@k0smotron/api/client');
      const client = new K0smotronClient(kube.kc);
      let names: string[] = [];
      if (plan.needs.kind === 'cluster') names = (await client.listClusters(kube.namespace)).map(c => c.metadata.name ?? '');
      else if (plan.needs.kind === 'jtr') names = (await client.listJoinTokenRequests(kube.namespace)).map(j => j.metadata.name ?? '');
      else if (plan.needs.kind === 'context') names = kube.kc.getContexts().map(c => c.name);
      else if (plan.needs.kind === 'namespace') {
        const { CoreV1Api } = await import('@kubernetes/client-node');
        names = (await kube.kc.makeApiClient(CoreV1Api).listNamespace()).items.map(n => n.metadata?.name ?? '');
      }
      candidates = [...candidates, ...names.filter(n => n.startsWith(partial)).sort()];
    } catch (err) {
      // Completion must never print errors into the command line; Cobra shows this on debug only.
      io.stderr.write(`completion: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
    }
  }
  io.stdout.write(candidates.map(c => `${c}\n`).join('') + `:${plan.directive}\n`);
  return 0;
}

export function completionScript(shell: string): string {
  switch (shell) {
    case 'bash':
      return BASH;
    case 'zsh':
      return ZSH;
    case 'fish':
      return FISH;
    default:
      throw new CliError(`unsupported shell "${shell}"`, 'valid values: bash, zsh, fish');
  }
}

const BASH = `# bash completion for kubectl-k0smotron (kubectl >= 1.26 uses kubectl_complete-k0smotron instead)
_kubectl_k0smotron() {
  local cur words out directive
  cur="\${COMP_WORDS[COMP_CWORD]}"
  words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  out=$(kubectl-k0smotron __complete "\${words[@]}" 2>/dev/null) || return
  directive=\${out##*:}
  out=\${out%:*}
  COMPREPLY=($(compgen -W "$out" -- "$cur"))
  if [[ \${#COMPREPLY[@]} -eq 0 && $((directive & 4)) -eq 0 ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _kubectl_k0smotron kubectl-k0smotron
`;

const ZSH = `#compdef kubectl-k0smotron
# zsh completion for kubectl-k0smotron
_kubectl_k0smotron() {
  local -a lines candidates
  local directive
  lines=("\${(@f)$(kubectl-k0smotron __complete "\${words[@]:1:$((CURRENT-1))}" 2>/dev/null)}")
  directive=\${lines[-1]#:}
  candidates=("\${(@)lines[1,-2]}")
  if (( \${#candidates} )); then
    compadd -- "\${candidates[@]}"
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
compdef _kubectl_k0smotron kubectl-k0smotron
`;

const FISH = `# fish completion for kubectl-k0smotron
function __kubectl_k0smotron_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    kubectl-k0smotron __complete $words 2>/dev/null | string match -v -r '^:[0-9]+$'
end
complete -c kubectl-k0smotron -f -a '(__kubectl_k0smotron_complete)'
`;
