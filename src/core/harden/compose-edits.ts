// The compose file's FalkorDB service, edited line by line and byte-preserving (comments, quoting,
// CRLF, everything else untouched): the data volume from /data to the server's data dir, the
// published 6379 bound to 127.0.0.1, a `latest` or untagged image pinned. Server arguments and the
// password go to the root .env, through the variable the file interpolates (REDIS_ARGS, else
// FALKORDB_ARGS). A file this cannot read that way is refused before anything changes.

/** What to change in the compose file, or why it cannot be edited safely. */
export type ComposePlan =
  | { ok: true; bytes: Buffer; changes: string[]; argsVar: 'REDIS_ARGS' | 'FALKORDB_ARGS'; tagVar?: 'FALKORDB_IMAGE_TAG' }
  | { ok: false; reason: string };

interface Line {
  text: string;
  eol: string;
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  const re = /\r?\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push({ text: text.slice(start, m.index), eol: m[0] });
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push({ text: text.slice(start), eol: '' });
  return out;
}

const indent = (s: string) => /^\s*/.exec(s)![0].length;
const VOLUME_SHORT = /^(\s*-\s*["']?)([^\s"'#]+):\/data\/?((?::[a-z,]+)?["']?\s*(?:#.*)?)$/;
const VOLUME_TARGET = /^(\s*target:\s*["']?)\/data\/?(["']?\s*(?:#.*)?)$/;
const PORT = /^(\s*-\s*["']?)([^"'#\s]+:6379(?:\/tcp)?)(["']?\s*(?:#.*)?)$/;
const IMAGE = /^(\s*image:\s*["']?)([^"'#\s]+)(["']?\s*(?:#.*)?)$/;

/**
 * planComposeEdits edits the `falkordb` service of a compose file: `dataDir` for the volume,
 * `pinned` (an image reference) for an image that is `latest` or has no tag. Pure.
 */
export function planComposeEdits(original: Buffer, o: { dataDir: string; pinned: string; service?: string }): ComposePlan {
  const all = lines(original.toString('latin1'));
  const service = o.service ?? 'falkordb';
  const head = all.findIndex((l) => new RegExp(`^\\s+["']?${service}["']?:\\s*(#.*)?$`).test(l.text));
  if (head < 0) return { ok: false, reason: `it has no "${service}:" service` };
  const base = indent(all[head]!.text);
  let end = head + 1;
  while (end < all.length && (all[end]!.text.trim() === '' || all[end]!.text.trim().startsWith('#') || indent(all[end]!.text) > base)) end += 1;
  const block = all.slice(head + 1, end).map((l) => l.text).join('\n');
  const changes: string[] = [];
  let volumes = 0;
  for (let i = head + 1; i < end; i += 1) {
    const l = all[i]!;
    let m: RegExpExecArray | null;
    if ((m = VOLUME_SHORT.exec(l.text))) {
      l.text = `${m[1]}${m[2]}:${o.dataDir}${m[3]}`;
      changes.push(`line ${i + 1}: volume ${m[2]} from /data to ${o.dataDir}`);
      volumes += 1;
    } else if ((m = VOLUME_TARGET.exec(l.text))) {
      l.text = `${m[1]}${o.dataDir}${m[2]}`;
      changes.push(`line ${i + 1}: volume target from /data to ${o.dataDir}`);
      volumes += 1;
    } else if ((m = PORT.exec(l.text))) {
      const spec = m[2]!;
      if (spec.startsWith('127.0.0.1:')) continue;
      const fixed = spec.startsWith('0.0.0.0:') ? `127.0.0.1:${spec.slice('0.0.0.0:'.length)}` : `127.0.0.1:${spec}`;
      l.text = `${m[1]}${fixed}${m[3]}`;
      changes.push(`line ${i + 1}: port ${spec} bound to 127.0.0.1`);
    } else if ((m = IMAGE.exec(l.text))) {
      const ref = m[2]!;
      if (ref.includes('${')) continue;
      const last = ref.slice(ref.lastIndexOf('/') + 1);
      if (last.includes(':') && !ref.endsWith(':latest')) continue;
      if (ref.includes('@')) continue;
      l.text = `${m[1]}${o.pinned}${m[3]}`;
      changes.push(`line ${i + 1}: image ${ref} pinned to ${o.pinned}`);
    }
  }
  if (volumes !== 1) return { ok: false, reason: volumes === 0 ? 'no volume of the falkordb service is mounted at /data' : 'more than one volume is mounted at /data' };
  const argsVar = block.includes('${REDIS_ARGS') ? 'REDIS_ARGS' : block.includes('${FALKORDB_ARGS') ? 'FALKORDB_ARGS' : undefined;
  if (!argsVar) return { ok: false, reason: 'its falkordb service takes neither ${REDIS_ARGS} nor ${FALKORDB_ARGS} from the environment, so --appendonly and --requirepass cannot be set through the .env' };
  const tagVar = block.includes('${FALKORDB_IMAGE_TAG') ? ('FALKORDB_IMAGE_TAG' as const) : undefined;
  return { ok: true, bytes: Buffer.from(all.map((l) => l.text + l.eol).join(''), 'latin1'), changes, argsVar, ...(tagVar ? { tagVar } : {}) };
}
