import type { ScheduleHost } from '../../src/core/schedule/host.js';

/**
 * FakeScheduleHost models a machine's schedulers in memory: one user crontab, files with modes,
 * and the systemctl calls made. `failWrite` makes writing that path (or 'crontab') fail once.
 */
export class FakeScheduleHost implements ScheduleHost {
  crontab = '';
  files = new Map<string, { text: string; mode: number }>();
  dirs = new Set<string>();
  systemctlCalls: string[] = [];
  failWrite?: string;

  async readCrontab() {
    return this.crontab;
  }
  async writeCrontab(text: string) {
    if (this.failWrite === 'crontab') {
      this.failWrite = undefined;
      throw new Error('crontab: write failed');
    }
    this.crontab = text;
  }
  async readFile(path: string) {
    return this.files.get(path)?.text;
  }
  async writeFile(path: string, text: string, mode: number) {
    if (this.failWrite === path) {
      this.failWrite = undefined;
      throw new Error(`EACCES: ${path}`);
    }
    this.files.set(path, { text, mode });
  }
  async removeFile(path: string) {
    this.files.delete(path);
  }
  async makeDir(path: string) {
    this.dirs.add(path);
  }
  async listDir(path: string) {
    return [...this.files.keys()].filter((p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/')).map((p) => p.slice(path.length + 1)).sort();
  }
  async systemctl(args: string[]) {
    this.systemctlCalls.push(args.join(' '));
  }
}
