import { lstat } from 'node:fs/promises';
import { readTextNoFollow } from '../fs/read-no-follow.js';
import { join } from 'node:path';
import { SECRET_KEY } from '../redact/redact.js';
import { filePart, isPart, listFiles } from './file-parts.js';
import { messageOf, reasonOf, skip, textPart, type Collected, type Collector } from './types.js';

export interface UserdataDeps {
  userdataDir: string;
  /** Receives every secret value found in settings.json, so it is scrubbed everywhere. */
  onSecret(value: string): void;
  timeoutMs: number;
}

// settings.json is small; anything bigger is not the app's settings file.
const MAX_SETTINGS = 1024 * 1024;
// Files under these are listed in full elsewhere, or are a whole source tree.
const NOT_LISTED = new Set(['logs', 'auto-codex-source', 'auto-codex-updates', 'auto-codex-rollbacks', 'Cache', 'Code Cache', 'GPUCache']);

/**
 * maskSettings keeps the app's non-secret settings (riskPolicy and the like): a value whose key
 * looks like a secret, or that is an `enc:` blob, becomes `***` and is handed to `onSecret`.
 */
export function maskSettings(value: unknown, onSecret: (v: string) => void, key = ''): unknown {
  if (typeof value === 'string') {
    if (SECRET_KEY.test(key) || value.startsWith('enc:')) {
      if (value) onSecret(value);
      return value ? '***' : value;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => maskSettings(v, onSecret, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSettings(v, onSecret, k)]));
  return value;
}

/**
 * userdataCollector takes the Desktop app's `logs/` (main.log and its rotated files), settings.json
 * with secrets masked, and the names and sizes of the other userData files (never their content).
 * A missing userData folder is recorded as not found.
 */
export function userdataCollector(deps: UserdataDeps): Collector {
  const dir = deps.userdataDir;
  return {
    id: 'userdata',
    title: 'Desktop app (userData)',
    timeoutMs: deps.timeoutMs,
    async collect(): Promise<Collected> {
      const out: Collected = { parts: [], skipped: [] };
      const st = await lstat(dir).catch((err: unknown) => err as Error);
      if (st instanceof Error || !st.isDirectory()) {
        out.skipped.push(skip('app/', dir, st instanceof Error ? reasonOf(st) : 'unreadable', st instanceof Error ? messageOf(st) : 'not a folder'));
        return out;
      }
      const logs = await listFiles(join(dir, 'logs'), 1).catch((err: unknown) => err as Error);
      if (logs instanceof Error) out.skipped.push(skip('app/logs/', join(dir, 'logs'), reasonOf(logs), messageOf(logs)));
      else {
        for (const f of logs) {
          const part = await filePart(`app/logs/${f.relative}`, f.path);
          (isPart(part) ? out.parts : out.skipped).push(part as never);
        }
      }
      const settingsPath = join(dir, 'settings.json');
      try {
        const s = await lstat(settingsPath);
        if (!s.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EPERM' });
        if (s.size > MAX_SETTINGS) out.skipped.push(skip('app/settings.json', settingsPath, 'too large', `${s.size} bytes`));
        else {
          const text = await readTextNoFollow(settingsPath);
          let shown: string;
          try {
            shown = `${JSON.stringify(maskSettings(JSON.parse(text), deps.onSecret), null, 2)}\n`;
          } catch {
            shown = '(settings.json is not valid JSON; its content is left out)\n';
          }
          out.parts.push(textPart('app/settings.json', `${settingsPath} (secret values masked)`, shown));
        }
      } catch (err) {
        out.skipped.push(skip('app/settings.json', settingsPath, reasonOf(err), messageOf(err)));
      }
      const files = await listFiles(dir, 3).catch(() => []);
      const listed = files.filter((f) => !NOT_LISTED.has(f.relative.split('/')[0]!) && f.relative !== 'settings.json');
      const lines = listed.slice(0, 2000).map((f) => `${String(f.bytes).padStart(12)}  ${f.mtime.toISOString()}  ${f.relative}`);
      if (listed.length > 2000) lines.push(`… and ${listed.length - 2000} more`);
      out.parts.push(textPart('app/files.txt', `${dir} (names and sizes only, never contents)`, `${lines.join('\n')}\n`));
      return out;
    },
  };
}
