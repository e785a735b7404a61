/**
 * readCodexToml reads the two facts the app takes from ~/.codex/config.toml: the top-level
 * `model_provider` and the `[model_providers.<name>]` table's string keys. A small reader, not a TOML
 * parser: only `key = "string"` lines and `[table]` headers matter here.
 */
export interface CodexToml {
  modelProvider?: string;
  providers: Record<string, Record<string, string>>;
}

function unquote(raw: string): string | undefined {
  const v = raw.trim();
  const m = /^"((?:[^"\\]|\\.)*)"|^'([^']*)'/.exec(v);
  if (m) return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
  return undefined;
}

function tableName(raw: string): string {
  return raw
    .split('.')
    .map((p) => p.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1'))
    .join('\u0000');
}

export function readCodexToml(text: string): CodexToml {
  const out: CodexToml = { providers: {} };
  let table: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const header = /^\[([^\[\]]+)\]\s*(#.*)?$/.exec(t);
    if (header) {
      table = tableName(header[1]!).split('\u0000');
      continue;
    }
    const kv = /^("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(t);
    if (!kv) continue;
    const key = kv[1]!.replace(/^["'](.*)["']$/, '$1');
    const value = unquote(kv[2]!);
    if (value === undefined) continue;
    if (table.length === 0 && key === 'model_provider') out.modelProvider = value;
    if (table.length === 2 && table[0] === 'model_providers') (out.providers[table[1]!] ??= {})[key] = value;
  }
  return out;
}
