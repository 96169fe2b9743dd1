// Every command, in the order `--help` lists them. main.ts registers exactly these with yargs;
// completion.ts derives its answers from them.
import { completionCommand } from './completion';
import { createCommand } from './create';
import { deleteCommand } from './delete';
import { describeCommand } from './describe';
import { installCommand, uninstallCommand } from './install';
import { joinTokenCommand } from './jointoken';
import { kubeconfigCommand } from './kubeconfig';
import { listCommand } from './list';
import { pauseCommand, resumeCommand } from './pause';
import { scaleCommand } from './scale';
import { sleepCommand, wakeCommand } from './sleep';
import { statusCommand } from './status';
import { upgradeCommand } from './upgrade';
import { versionCommand } from './version';
import type { CommandSpec } from './types';

export const COMMANDS: readonly CommandSpec[] = [
  createCommand,
  listCommand,
  statusCommand,
  describeCommand,
  kubeconfigCommand,
  joinTokenCommand,
  deleteCommand,
  scaleCommand,
  upgradeCommand,
  pauseCommand,
  resumeCommand,
  sleepCommand,
  wakeCommand,
  installCommand,
  uninstallCommand,
  versionCommand,
  completionCommand,
];

export { GLOBAL_OPTIONS } from './global';
export type { CommandSpec, CommandContext, OptionSpec, PositionalSpec, Completes } from './types';
