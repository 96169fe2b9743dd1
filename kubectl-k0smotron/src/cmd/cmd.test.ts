import { COMMANDS } from './index';
import { commandName } from './types';
import { COMMAND_SPEC, DIRECTIVE, planCompletion } from '../completion';
import { helpWidth } from '../main';

describe('command modules', () => {
  it('name every command once, with a handler or subcommands', () => {
    const names = COMMANDS.map(commandName);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS)
      expect({ name: commandName(c), runs: !!c.handler || !!c.subcommands?.every(s => s.handler) }).toEqual({ name: commandName(c), runs: true });
  });
});

describe('completion derived from the command modules', () => {
  it('offers aliases, subcommands and their positionals', () => {
    expect(planCompletion(['g']).candidates).toEqual(['get']);
    expect(COMMAND_SPEC.get.flags).toEqual(COMMAND_SPEC.list.flags);
    const jt = planCompletion(['join-token', '']);
    expect(jt.candidates).toEqual(['create', 'list', 'revoke']);
    expect(jt.needs?.kind).toBe('cluster');
    expect(planCompletion(['join-token', 'revoke', '']).needs?.kind).toBe('jtr');
    expect(planCompletion(['join-token', 'list', '']).needs?.kind).toBe('cluster');
    expect(planCompletion(['join-token', 'demo', '']).needs).toBeUndefined();
    expect(planCompletion(['join-token', 'create', 'demo', '--role', '']).candidates).toEqual(['worker', 'controller']);
    expect(planCompletion(['join-token', 'demo', '-o', 's']).candidates).toEqual(['script']);
  });
  it('offers every name of a variadic positional, and none past the last positional', () => {
    expect(planCompletion(['delete', 'a', 'b', '']).needs?.kind).toBe('cluster');
    expect(planCompletion(['get', 'a', '']).needs?.kind).toBe('cluster');
    expect(planCompletion(['scale', 'a', '']).needs).toBeUndefined();
  });
  it('offers flags with their short aliases and --no- forms, and values of global flags', () => {
    expect(planCompletion(['list', '--no']).candidates).toEqual(['--no-headers']);
    expect(planCompletion(['delete', '--w']).candidates).toEqual(['--wait']);
    expect(planCompletion(['upgrade', 'demo', '--ver']).candidates).toEqual(['--version', '--verbose']);
    expect(planCompletion(['list', '--color', '']).candidates).toEqual(['auto', 'always', 'never']);
    expect(planCompletion(['list', '-n', '']).needs?.kind).toBe('namespace');
    expect(planCompletion(['--context', '']).needs?.kind).toBe('context');
    expect(planCompletion(['--kubeconfig', '']).directive).toBe(DIRECTIVE.default);
    // A value flag's argument is not taken for a positional.
    expect(planCompletion(['status', '-o', 'yaml', '']).needs?.kind).toBe('cluster');
  });
});

describe('helpWidth', () => {
  it('follows the terminal, within 40 to 120 columns; 100 when piped', () => {
    expect(helpWidth({ isTTY: false, columns: 200 })).toBe(100);
    expect(helpWidth({ isTTY: true, columns: 80 })).toBe(80);
    expect(helpWidth({ isTTY: true, columns: 300 })).toBe(120);
    expect(helpWidth({ isTTY: true, columns: 20 })).toBe(40);
    expect(helpWidth({ isTTY: true })).toBe(100);
  });
});
