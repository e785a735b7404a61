/**
 * Which runs leave an audit record (issue 8): every run of a command that changes things, and
 * healthcheck only when the production profile is in force. Read-only subcommands are exempt.
 * The first rule whose command path equals the run's, or is a prefix of it, decides.
 */
export type AuditPolicy = 'always' | 'production' | 'never';

const RULES: ReadonlyArray<readonly [string, AuditPolicy]> = [
  ['backup list', 'never'],
  ['backup verify', 'never'],
  ['backup', 'always'],
  ['restore', 'always'],
  ['rollback', 'always'],
  ['harden', 'always'],
  ['lock-deps', 'always'],
  // A drill changes nothing live, but its record is the proof the healthcheck and `backup list` read.
  ['drill', 'always'],
  ['healthcheck', 'production'],
  // A bundle carries logs and configuration off the machine: who took one, when, and where it went.
  ['support-bundle', 'always'],
  ['schedule install', 'always'],
  ['schedule remove', 'always'],
];

/** auditPolicyFor maps a command path such as `backup falkordb` to its policy; unknown commands are `never`. */
export function auditPolicyFor(commandPath: string): AuditPolicy {
  return RULES.find(([path]) => commandPath === path || commandPath.startsWith(`${path} `))?.[1] ?? 'never';
}

/** A commander command as far as its path goes: its name and its parent. */
export interface NamedCommand {
  name(): string;
  parent: NamedCommand | null;
}

/** commandPath names a command by its path below the program, e.g. `backup falkordb` (the root's own name is left out). */
export function commandPath(cmd: NamedCommand): string {
  const names: string[] = [];
  for (let c: NamedCommand | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
