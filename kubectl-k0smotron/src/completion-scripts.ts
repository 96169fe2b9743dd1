// The bash, zsh and fish completion scripts. Each only calls `kubectl-k0smotron __complete WORDS…`
// and offers what it answers, so they never change when a command or flag does.
import { CliError } from './errors';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export function completionScript(shell: string): string {
  switch (shell) {
    case 'bash':
      return BASH;
    case 'zsh':
      return ZSH;
    case 'fish':
      return FISH;
    default:
      throw new CliError(`unsupported shell "${shell}"`, `valid values: ${SHELLS.join(', ')}`);
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
