import { mkdir, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Exec } from '../exec/exec.js';
import { OpsError, PrerequisiteError } from '../errors.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';

/**
 * ScheduleHost is the narrow port to the machine's schedulers: the invoking user's crontab
 * (through the real `crontab` program), plain files (/etc/cron.d, unit files) and systemctl.
 * Unit tests pass a state-modelling fake.
 */
export interface ScheduleHost {
  /** The user's crontab, '' when there is none. */
  readCrontab(): Promise<string>;
  writeCrontab(text: string): Promise<void>;
  /** A file's text, undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Replaces a file atomically (temporary name in the same folder, fsync, rename). */
  writeFile(path: string, text: string, mode: number): Promise<void>;
  removeFile(path: string): Promise<void>;
  /** Creates a folder (and its parents) with the given mode when missing. */
  makeDir(path: string, mode: number): Promise<void>;
  /** A folder's names, [] when it does not exist. */
  listDir(path: string): Promise<string[]>;
  systemctl(args: string[]): Promise<void>;
}

/** createScheduleHost is the real host; `crontab` failures become errors that quote the program's own words. */
export function createScheduleHost(exec: Exec, signal?: AbortSignal): ScheduleHost {
  const crontab = async (args: string[]) => {
    const r = await exec.run('crontab', args, { signal, timeoutMs: 30_000 });
    if (r.notFound) throw new PrerequisiteError('The `crontab` program is not installed.', { hint: 'Install cron (Debian: apt-get install cron), or use --target systemd.' });
    return r;
  };
  return {
    async readCrontab() {
      const r = await crontab(['-l']);
      if (r.exitCode === 0) return r.stdout.endsWith('\n') || r.stdout === '' ? r.stdout : `${r.stdout}\n`;
      if (/no crontab for/i.test(r.stderr)) return '';
      throw new OpsError(`\`crontab -l\` failed (exit ${r.exitCode}): ${r.stderr.trim()}`, { hint: 'Check that this user may use cron (/etc/cron.allow, /etc/cron.deny).' });
    },
    async writeCrontab(text) {
      // crontab(1) installs a file atomically; the temporary copy is private to this user.
      const dir = await mkdtemp(join(tmpdir(), 'autocodex-ops-crontab-'));
      try {
        const file = join(dir, 'crontab');
        const fh = await open(file, 'w', 0o600);
        await fh.writeFile(text);
        await fh.close();
        const r = await crontab([file]);
        if (r.exitCode !== 0) throw new OpsError(`\`crontab\` refused the new table (exit ${r.exitCode}): ${r.stderr.trim()}; nothing changed.`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async readFile(path) {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async writeFile(path, text, mode) {
      // writeFileAtomic's temporary name starts with a dot: cron skips names with dots.
      await writeFileAtomic(path, text, { replace: true, mode, forceMode: true, hint: `Fix that in ${dirname(path)}.` });
    },
    async removeFile(path) {
      await rm(path, { force: true });
    },
    async makeDir(path, mode) {
      await mkdir(path, { recursive: true, mode });
    },
    async listDir(path) {
      try {
        return (await readdir(path)).sort();
      } catch (err) {
        if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return [];
        throw err;
      }
    },
    async systemctl(args) {
      const r = await exec.run('systemctl', args, { signal, timeoutMs: 60_000 });
      if (r.notFound) throw new PrerequisiteError('systemctl is not installed.', { hint: 'Use --target cron.d or crontab.' });
      if (r.exitCode !== 0) throw new OpsError(`\`systemctl ${args.join(' ')}\` failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    },
  };
}
