/** The result of running a program: its exit code and output, or `notFound` when it is not on PATH. */
export type ExecResult = { notFound: true } | { notFound?: false; exitCode: number; stdout: string; stderr: string; timedOut?: boolean };

export interface ExecOptions {
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra environment (merged over the process's); secrets go here, never into args. */
  env?: Record<string, string>;
}

/** Exec is the narrow port for running external programs (git, python3, node, codex, docker compose, uv). */
export interface Exec {
  run(file: string, args: string[], options?: ExecOptions): Promise<ExecResult>;
}

/** createExec returns the execa-backed Exec; execa is loaded on first use to keep start-up fast. */
export function createExec(): Exec {
  return {
    async run(file, args, options = {}) {
      const { execa } = await import('execa');
      const result = await execa(file, args, {
        cwd: options.cwd,
        timeout: options.timeoutMs,
        cancelSignal: options.signal,
        env: options.env,
        reject: false,
        stdin: 'ignore',
        // A wrong tool on PATH must not print megabytes into a check message.
        maxBuffer: 4 * 1024 * 1024,
      });
      if ((result as { code?: string }).code === 'ENOENT') return { notFound: true };
      return {
        exitCode: result.exitCode ?? -1,
        stdout: String(result.stdout ?? ''),
        stderr: String(result.stderr ?? ''),
        timedOut: result.timedOut,
      };
    },
  };
}
