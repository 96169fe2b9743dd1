// `kubectl k0smotron completion SHELL`: the bash, zsh or fish script (see ../completion.ts).
import { completionScript, SHELLS } from '../completion-scripts';
import type { CommandSpec } from './types';

export const completionCommand: CommandSpec = {
  command: 'completion <shell>',
  describe: 'Print a shell completion script (bash, zsh or fish)',
  positionals: { shell: { type: 'string', demandOption: true, values: SHELLS } },
  examples: [
    ['source <(kubectl k0smotron completion bash)', '# bash, current shell'],
    ['kubectl k0smotron completion fish > ~/.config/fish/completions/kubectl-k0smotron.fish', '# fish'],
  ],
  handler: async (args, { io }) => {
    io.stdout.write(completionScript(String(args.shell)));
  },
};
