/** INFO reply parsed by section: `{ persistence: { rdb_bgsave_in_progress: '0', … }, … }`. */
export type InfoSections = Record<string, Record<string, string>>;

/**
 * parseInfo turns the text of `INFO [section]` into sections keyed by their lower-cased heading
 * (`# Persistence` → `persistence`); fields before any heading land in section `''`. It never
 * throws: lines that are neither a heading nor `key:value` (blank lines, junk) are skipped.
 */
export function parseInfo(text: string): InfoSections {
  const sections: InfoSections = {};
  let current: Record<string, string> = {};
  let currentName = '';
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      currentName = line.slice(1).trim().toLowerCase();
      current = sections[currentName] ?? {};
      sections[currentName] = current;
      continue;
    }
    // Split on the first colon only: values may contain colons (paths, `executable:/usr/bin/…`).
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    sections[currentName] = current;
    current[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return sections;
}

/** flattenInfo merges all sections into one map; on a duplicate key the later section wins. */
export function flattenInfo(info: InfoSections): Record<string, string> {
  return Object.assign({}, ...Object.values(info)) as Record<string, string>;
}

/** infoField returns `key` from any section of a parsed INFO reply, or undefined when absent. */
export function infoField(info: InfoSections, key: string): string | undefined {
  for (const section of Object.values(info)) {
    if (Object.hasOwn(section, key)) return section[key];
  }
  return undefined;
}

/** infoNumber returns `key` as a finite number, or undefined when absent or not numeric. */
export function infoNumber(info: InfoSections, key: string): number | undefined {
  const value = infoField(info, key);
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
