import type { Exec, ExecResult } from '../../src/core/exec/exec.js';

/** FakeExec answers by command line (`'git --version': {stdout: 'git version 2.39.5'}`); unknown commands are not found. */
export class FakeExec implements Exec {
  readonly calls: string[] = [];
  constructor(private readonly table: Record<string, Partial<Extract<ExecResult, { exitCode: number }>> | 'notFound'> = {}) {}
  async run(file: string, args: string[]): Promise<ExecResult> {
    const line = [file, ...args].join(' ');
    this.calls.push(line);
    const hit = this.table[line];
    if (hit === undefined || hit === 'notFound') return { notFound: true };
    return { exitCode: 0, stdout: '', stderr: '', ...hit };
  }
}
