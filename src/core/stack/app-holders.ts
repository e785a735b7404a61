import { execFile } from 'node:child_process';
import { readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { sep } from 'node:path';

// The app takes no single-instance lock (app-rules.md §4), so "is Auto Codex running on this
// folder?" is answered by who holds files open under it: /proc/<pid>/fd on Linux, lsof on macOS.
// Where that cannot be seen (another user's process, no lsof, Windows) the app's process name is
// the fallback.

/** A process that holds a file open under the folder, or that carries the app's name. */
export interface Holder {
  pid: number;
  name: string;
  /** The file it holds open; absent when found by name only. */
  file?: string;
}

/** What a scan saw: the holders, and whether some processes could not be looked into. */
export interface HolderScan {
  holders: Holder[];
  /** Processes whose open files this user may not read, with their names. */
  hidden: Holder[];
}

/** The program names the app runs under (package name, product name; Linux truncates comm to 15). */
export const APP_PROCESS = /^(auto[- ]?codex(-ui)?|auto codex)(\.exe)?$/i;

const inside = (file: string, dir: string) => file === dir || file.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** procHolders scans /proc/<pid>/fd of every process but this one (Linux). */
export async function procHolders(dir: string, self = process.pid, proc = '/proc'): Promise<HolderScan> {
  const real = await realpath(dir).catch(() => dir);
  const holders: Holder[] = [];
  const hidden: Holder[] = [];
  const pids = (await readdir(proc)).filter((n) => /^\d+$/.test(n)).map(Number).filter((p) => p !== self);
  await Promise.all(
    pids.map(async (pid) => {
      const name = (await readFile(`${proc}/${pid}/comm`, 'utf8').catch(() => '')).trim();
      let fds: string[];
      try {
        fds = await readdir(`${proc}/${pid}/fd`);
      } catch (err) {
        // EACCES: another user's process; ENOENT: it ended meanwhile.
        if ((err as NodeJS.ErrnoException).code === 'EACCES') hidden.push({ pid, name });
        return;
      }
      for (const fd of fds) {
        const target = await readlink(`${proc}/${pid}/fd/${fd}`).catch(() => undefined);
        if (target && inside(target, real)) {
          holders.push({ pid, name, file: target });
          return;
        }
      }
    }),
  );
  return { holders: holders.sort((a, b) => a.pid - b.pid), hidden };
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string } | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 15_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve(code === -1 ? undefined : { code, stdout });
    });
  });
}

/** parseLsof reads `lsof -F pcn` output: p<pid>, c<command>, n<file> lines. */
export function parseLsof(text: string, self = process.pid): Holder[] {
  const found = new Map<number, Holder>();
  let pid = 0;
  let name = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('p')) pid = Number(line.slice(1));
    else if (line.startsWith('c')) name = line.slice(1);
    else if (line.startsWith('n') && pid !== self && !found.has(pid)) found.set(pid, { pid, name, file: line.slice(1) });
  }
  return [...found.values()];
}

/** lsofHolders asks lsof (macOS) who holds files open under the folder; undefined when lsof cannot run. */
export async function lsofHolders(dir: string): Promise<HolderScan | undefined> {
  const real = await realpath(dir).catch(() => dir);
  const out = await run('lsof', ['-n', '-F', 'pcn', '+D', real]);
  // lsof exits 1 when nothing is open there.
  if (!out || (out.code !== 0 && out.stdout.trim() !== '')) return out?.code === 1 ? { holders: [], hidden: [] } : undefined;
  return { holders: parseLsof(out.stdout), hidden: [] };
}

/** appProcessesByName lists processes carrying the app's name (ps on POSIX, tasklist on Windows). */
export async function appProcessesByName(platform: NodeJS.Platform): Promise<Holder[] | undefined> {
  if (platform === 'win32') {
    const out = await run('tasklist', ['/FO', 'CSV', '/NH']);
    if (!out || out.code !== 0) return undefined;
    return out.stdout
      .split(/\r?\n/)
      .map((l) => /^"([^"]+)","(\d+)"/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && APP_PROCESS.test(m[1]!))
      .map((m) => ({ pid: Number(m[2]), name: m[1]! }));
  }
  const out = await run('ps', ['-axo', 'pid=,comm=']);
  if (!out || out.code !== 0) return undefined;
  return out.stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && APP_PROCESS.test(m[2]!.split('/').pop()!.trim()))
    .map((m) => ({ pid: Number(m[1]), name: m[2]!.split('/').pop()!.trim() }))
    .filter((h) => h.pid !== process.pid);
}
