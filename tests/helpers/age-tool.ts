import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** An identity made by the real `age-keygen`: its file (mode 0600), secret line and public key. */
export interface ToolKey {
  file: string;
  secret: string;
  recipient: string;
}

/** ageKeygen runs Debian's `age-keygen` into `<dir>/<name>` (mode 0600) and reads back its public key. */
export function ageKeygen(dir: string, name = 'key.txt'): ToolKey {
  const file = join(dir, name);
  execFileSync('age-keygen', ['-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  chmodSync(file, 0o600);
  const secret = execFileSync('grep', ['^AGE-SECRET-KEY-1', file], { encoding: 'utf8' }).trim();
  const recipient = execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim();
  return { file, secret, recipient };
}

/** ageTool runs `age` with these arguments and stdin; returns status, stdout and stderr (never throws). */
export function ageTool(args: string[], input?: Buffer): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('age', args, { input, maxBuffer: 1024 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** writePrivate writes a file with mode 0600. */
export function writePrivate(path: string, content: string | Buffer): string {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

/**
 * ageWithPassphrase runs `age` on a pseudo-terminal (util-linux `script`), since age reads a
 * passphrase from the terminal only; `answers` are typed in order (encrypting asks twice).
 */
export function ageWithPassphrase(args: string[], answers: string[]): { status: number | null } {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const feed = answers.map((a) => `printf '%s\\n' '${a.replace(/'/g, `'\\''`)}'; sleep 0.5`).join('; ');
  const r = spawnSync('sh', ['-c', `(sleep 0.3; ${feed}) | script -qec "age ${quoted.replace(/"/g, '\\"')}" /dev/null`], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { status: r.status };
}
