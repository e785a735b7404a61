// Rewrites chosen variables of a .env file and keeps every other byte: comments, blank lines,
// order, `export` prefixes, spacing around `=`, quotes, inline comments, CRLF line ends, a missing
// final newline, bytes that are not UTF-8. The file is handled as latin1 (one char per byte), so
// whatever is not rewritten round-trips exactly. The lines it recognises are dotenv's
// (`[export ]KEY=value`, quoted values may span lines), which compose v1 and v2 also accept.

/** One rewritten assignment (1-based line number of the line it starts on). */
export interface EnvChange {
  key: string;
  line: number;
  from: string;
  to: string;
}

/** The new file content and what changed; `appended` lists keys that had no assignment. */
export interface EnvRewrite {
  bytes: Buffer;
  changes: EnvChange[];
  appended: string[];
}

const ASSIGN = /^((?:\xEF\xBB\xBF)?[ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_.-]*)([ \t]*=)(.*)$/;
const QUOTES = new Set(['"', "'", '`']);

interface Line {
  text: string;
  eol: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r?\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ text: text.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  if (start < text.length) lines.push({ text: text.slice(start), eol: '' });
  return lines;
}

/** Index of the closing quote in `s` at or after `from`; a backslash escapes the next char in "…". */
function closingQuote(s: string, quote: string, from: number): number {
  for (let i = from; i < s.length; i += 1) {
    if (quote === '"' && s[i] === '\\') i += 1;
    else if (s[i] === quote) return i;
  }
  return -1;
}

/**
 * rewriteEnv sets each key of `values` in the .env content `original`: every assignment of the key
 * gets the new value (with its own quoting and inline comment kept), so no parser — first-wins or
 * last-wins — can read a stale one; a key with no assignment is appended on a new line in the
 * file's line-end style. Values must be single-line and contain no quote or `#` (image tags never do);
 * other values throw TypeError. Pure: nothing is read or written.
 */
export function rewriteEnv(original: Buffer, values: Readonly<Record<string, string>>): EnvRewrite {
  for (const [key, value] of Object.entries(values)) {
    if (/["'`#\r\n\\]/.test(value) || value !== value.trim()) throw new TypeError(`rewriteEnv: unsupported value for ${key}`);
  }
  const lines = splitLines(original.toString('latin1'));
  const out: string[] = [];
  const changes: EnvChange[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i += 1) {
    const { text, eol } = lines[i]!;
    const m = ASSIGN.exec(text);
    if (!m) {
      out.push(text + eol);
      continue;
    }
    const [, prefix, key, eq, rest] = m as unknown as [string, string, string, string, string];
    const lead = /^[ \t]*/.exec(rest)![0];
    const body = rest.slice(lead.length);
    const quote = QUOTES.has(body[0] ?? '') ? body[0]! : undefined;
    // Gather a quoted value that spans lines, so its inner lines are never read as assignments.
    // An unterminated quote is read as dotenv does: the line as it stands, the next lines on their own.
    let span = body;
    let spanEol = eol;
    let close = quote ? closingQuote(span, quote, 1) : -1;
    let j = i;
    while (quote && close < 0 && j + 1 < lines.length) {
      j += 1;
      span += spanEol + lines[j]!.text;
      spanEol = lines[j]!.eol;
      close = closingQuote(span, quote, 1);
    }
    if (close < 0) [span, spanEol, j] = [body, eol, i];
    const next = values[key];
    if (next === undefined) {
      out.push(lines.slice(i, j + 1).map((l) => l.text + l.eol).join(''));
      i = j;
      continue;
    }
    seen.add(key);
    let oldValue: string;
    let suffix: string;
    if (close >= 0) {
      oldValue = span.slice(1, close);
      suffix = span.slice(close + 1);
    } else {
      const hash = span.indexOf('#');
      oldValue = (hash < 0 ? span : span.slice(0, hash)).replace(/[ \t]+$/, '');
      suffix = span.slice(oldValue.length);
    }
    const newValue = close >= 0 ? `${quote}${next}${quote}` : next;
    changes.push({ key, line: i + 1, from: oldValue, to: next });
    // An empty unquoted value: the blank after `=` separates the inline comment; keep it after the new value.
    const assigned = close < 0 && oldValue === '' ? `${newValue}${lead}${suffix}` : `${lead}${newValue}${suffix}`;
    out.push(`${prefix}${key}${eq}${assigned}${spanEol}`);
    i = j;
  }
  const appended = Object.keys(values).filter((k) => !seen.has(k));
  if (appended.length) {
    const eolStyle = lines.find((l) => l.eol)?.eol ?? '\n';
    const text = out.join('');
    if (text.length > 0 && !/\n$/.test(text)) out.push(eolStyle);
    for (const key of appended) out.push(`${key}=${values[key]}${eolStyle}`);
  }
  return { bytes: Buffer.from(out.join(''), 'latin1'), changes, appended };
}
