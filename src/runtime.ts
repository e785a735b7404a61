import type { OutputStream } from './output/printer.js';

/**
 * Runtime is everything the program takes from the process: argv, env, cwd, streams and the
 * one abort signal. cli.ts builds it from `process`; tests build it from plain values.
 */
export interface Runtime {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  platform: NodeJS.Platform;
  stdout: OutputStream;
  stderr: OutputStream;
  stdinIsTTY: boolean;
  /** Effective uid/gid of the run (default: the process's): which owners the run trusts, and whether it runs as root. */
  identity?: { uid: number; gid: number };
  /** Asks one question on the terminal (stderr) and resolves to the line typed on stdin; an abort rejects. Only used when stdinIsTTY. */
  prompt(question: string, signal: AbortSignal): Promise<string>;
  /** This process's id (the audit record's `pid`). */
  pid?: number;
  /** Aborted on SIGINT/SIGTERM/SIGHUP; every long operation honours it. */
  signal: AbortSignal;
  /** Reads a secret (an age passphrase) from the terminal without echo; absent where there is none. */
  readSecret?: (prompt: string, signal?: AbortSignal) => Promise<string>;
}
