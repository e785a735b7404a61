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

/**
 * createExec returns the execa-backed Exec; execa is loaded on first use to keep start-up fast.
 * It never rejects: a program that cannot be started at all (not executable, invalid arguments)
 * gives exit code -1 with the reason as stderr; one that is not on PATH gives `notFound`.
 */
export function createExec(): Exec {
  return {
    async run(file, args, options = {}) {
      if (options.signal?.aborted) return { exitCode: -1, stdout: '', stderr: 'aborted before it started', timedOut: false };
      const { execa } = await import('execa');
      let result;
      try {
        result = await execa(file, args, {
          cwd: options.cwd,
          timeout: options.timeoutMs,
          cancelSignal: options.signal,
          env: options.env,
          reject: false,
          stdin: 'ignore',
          // A wrong tool on PATH must not print megabytes into a check message.
          maxBuffer: 4 * 1024 * 1024,
        });
      } catch (error) {
        // execa throws before spawning for arguments it rejects (a NUL byte).
        return { exitCode: -1, stdout: '', stderr: (error as Error).message, timedOut: false };
      }
      if ((result as { code?: string }).code === 'ENOENT') return { notFound: true };
      const stderr = String(result.stderr ?? '');
      return {
        exitCode: result.exitCode ?? -1,
        stdout: String(result.stdout ?? ''),
        // A spawn failure (EACCES) has no output of its own: say why instead of nothing.
        stderr: stderr || (result.exitCode === undefined && !result.timedOut && !result.isCanceled ? (result.shortMessage ?? '') : ''),
        timedOut: Boolean(result.timedOut),
      };
    },
  };
}
