// The lock format is uv's requirements.txt output (original-scripts.md §5): a `#` header, then one
// `name==version` line per package, sorted, each followed by indented `# via` comments. The pip
// backend writes the same shape, so both backends' locks compare and install alike.

/** A pinned package as a lock states it: canonical name, version (or direct URL) and marker, if any. */
export interface Pin {
  name: string;
  version: string;
  marker?: string;
}

/** How one package differs between the committed lock and a fresh resolution. */
export interface PinChange {
  name: string;
  marker?: string;
  /** The committed version; absent when the package is new. */
  from?: string;
  /** The resolved version; absent when the package was dropped. */
  to?: string;
}

/** A package of a resolution with the packages (or `-r <input>`) that pulled it in. */
export interface LockEntry {
  name: string;
  /** `==version`, or `@ url` for a direct reference. */
  spec: string;
  via: string[];
}

/** canonicalName is the PEP 503 normalised name (`Eps_Ilon` → `eps-ilon`), as uv writes it. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * splitHeader separates the leading comment block (how the lock was made) from the body. --check
 * ignores the header: it names the tool and command, which differ between machines and backends.
 */
export function splitHeader(text: string): { header: string[]; body: string[] } {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length && (lines[i]!.startsWith('#') || lines[i]!.trim() === '')) i += 1;
  return { header: lines.slice(0, i), body: lines.slice(i) };
}

const PINNED = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?\s*$/;
const DIRECT = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@\s*(\S+?)\s*(?:;\s*([^\\]+?))?\s*\\?\s*$/;

/**
 * parsePins reads the pinned requirement lines of a lock (uv's or ours). Comment lines, indented
 * `# via` and `--hash` lines and option lines (`--index-url`, `-e`) are skipped; a line that is
 * none of these is ignored rather than failing, so a hand-edited lock still compares.
 */
export function parsePins(text: string): Pin[] {
  const pins: Pin[] = [];
  for (const line of splitHeader(text).body) {
    if (line === '' || /^\s/.test(line) || line.startsWith('#') || line.startsWith('-')) continue;
    const match = PINNED.exec(line) ?? DIRECT.exec(line);
    if (!match) continue;
    const pin: Pin = { name: canonicalName(match[1]!), version: match[2]! };
    if (match[3]) pin.marker = match[3].trim();
    pins.push(pin);
  }
  return pins;
}

/** Byte order, as uv sorts names; localeCompare would ignore the `-` in `pytest-cov`. */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const keyOf = (p: Pin) => (p.marker ? `${p.name} ; ${p.marker}` : p.name);

/**
 * diffPins lists the packages whose pin differs between `before` (the committed lock) and `after`
 * (a fresh resolution), sorted by name. A package with a marker (uv --universal) is compared per
 * marker. An empty list means the locks pin the same packages at the same versions.
 */
export function diffPins(before: readonly Pin[], after: readonly Pin[]): PinChange[] {
  const old = new Map(before.map((p) => [keyOf(p), p]));
  const now = new Map(after.map((p) => [keyOf(p), p]));
  const changes: PinChange[] = [];
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(key);
    const b = now.get(key);
    if (a?.version === b?.version) continue;
    const pin = (a ?? b)!;
    changes.push({ name: pin.name, ...(pin.marker ? { marker: pin.marker } : {}), ...(a ? { from: a.version } : {}), ...(b ? { to: b.version } : {}) });
  }
  return changes.sort((x, y) => byText(x.name, y.name) || byText(x.marker ?? '', y.marker ?? ''));
}

/** formatChange renders a change for people: `anyio 4.7.0 → 4.8.0`, `foo 1.0 (new)`, `bar 2.0 (removed)`. */
export function formatChange(c: PinChange): string {
  const name = c.marker ? `${c.name} ; ${c.marker}` : c.name;
  if (c.from === undefined) return `${name} ${c.to} (new)`;
  if (c.to === undefined) return `${name} ${c.from} (removed)`;
  return `${name} ${c.from} → ${c.to}`;
}

/**
 * renderLock writes a lock in uv's layout: the header comment lines, then the entries sorted by
 * name, each with its `# via` annotation (`-r <input>` first, then packages by name).
 */
export function renderLock(header: readonly string[], entries: readonly LockEntry[]): string {
  const lines = header.map((h) => (h === '' ? '#' : `# ${h}`));
  const sorted = [...entries].sort((a, b) => byText(a.name, b.name));
  for (const entry of sorted) {
    lines.push(`${entry.name}${entry.spec}`);
    const via = [...entry.via].sort((a, b) => Number(b.startsWith('-r ')) - Number(a.startsWith('-r ')) || byText(a, b));
    if (via.length === 1) lines.push(`    # via ${via[0]}`);
    else if (via.length > 1) lines.push('    # via', ...via.map((v) => `    #   ${v}`));
  }
  return `${lines.join('\n')}\n`;
}
