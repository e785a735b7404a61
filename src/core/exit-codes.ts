/** The exit-status table of CONTRACT.md "Exit status"; every command uses it, nothing else picks codes. */
export const ExitCode = {
  Ok: 0,
  Failed: 1,
  Usage: 2,
  Prerequisite: 10,
  Locked: 11,
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Rows for `--help` and the README: code and meaning, in table order. */
export const exitCodeTable: ReadonlyArray<readonly [ExitCodeValue, string]> = [
  [ExitCode.Ok, 'success (healthcheck: no failing check; warnings allowed)'],
  [ExitCode.Failed, 'the operation failed, or healthcheck found a failing check'],
  [ExitCode.Usage, 'usage error or invalid input (bad flag or value, missing/corrupt archive, invalid configuration)'],
  [ExitCode.Prerequisite, 'a prerequisite is unavailable (Docker engine, container, volume, FalkorDB, uv/pip, userData folder)'],
  [ExitCode.Locked, 'another autocodex-ops run holds the lock for the same target'],
  [ExitCode.Interrupted, 'interrupted (SIGINT/SIGTERM/SIGHUP); cleanup has run'],
];

/** The exit-status block appended to every command's --help. */
export function exitStatusHelp(): string {
  return ['', 'Exit status:', ...exitCodeTable.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`)].join('\n');
}
