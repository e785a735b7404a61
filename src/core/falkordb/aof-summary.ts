// What an archive's AOF says about the data it holds, read as the archive streams past: the
// multi-part manifest (Redis 7: `file <name> seq <n> type b|h|i`) and a count of the commands in
// each AOF text file. A restore that loads 0 keys from an AOF full of writes loaded nothing
// (issue 23 §8).

/** One line of a Redis 7 AOF manifest. */
export interface AofManifestEntry {
  file: string;
  seq: number;
  /** b: base (RDB or AOF), h: history (being deleted), i: incremental. */
  type: 'b' | 'h' | 'i';
}

/**
 * parseAofManifest reads a Redis 7 AOF manifest. Returns undefined when a line does not parse (the
 * file is not a manifest); unknown keys on a line are ignored, as Redis does.
 */
export function parseAofManifest(text: string): AofManifestEntry[] | undefined {
  const entries: AofManifestEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const words = line.trim().split(/\s+/);
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < words.length; i += 2) fields.set(words[i]!, words[i + 1]!);
    const file = fields.get('file');
    const seq = Number(fields.get('seq'));
    const type = fields.get('type');
    if (!file || !Number.isInteger(seq) || (type !== 'b' && type !== 'h' && type !== 'i')) return undefined;
    entries.push({ file, seq, type });
  }
  return entries;
}

/** Commands that change nothing a DBSIZE would count. */
const NEUTRAL = new Set(['select', 'multi', 'exec', 'ping']);
const FLUSH = new Set(['flushall', 'flushdb']);

/** The counts AofCounter keeps. */
export interface AofCounts {
  commands: number;
  flushes: number;
  /** Commands after the last FLUSHALL/FLUSHDB that are not SELECT/MULTI/EXEC/PING. */
  writesAfterFlush: number;
  /** False when the stream did not parse as RESP commands (an RDB preamble, say). */
  resp: boolean;
}

/**
 * AofCounter counts the commands of an AOF text stream (RESP arrays of bulk strings) fed in chunks
 * of any size, keeping only the current command's name in memory.
 */
export class AofCounter {
  readonly counts: AofCounts = { commands: 0, flushes: 0, writesAfterFlush: 0, resp: true };
  #pending = Buffer.alloc(0);
  /** Arguments of the current command still to come. */
  #args = 0;
  /** Length of the command name's bulk string being read, or -1. */
  #name = -1;
  /** Bytes of an argument's body (and its CRLF) still to skip. */
  #skip = 0;
  /** The next bulk string is a command's name. */
  #atName = false;

  push(chunk: Buffer): void {
    if (!this.counts.resp) return;
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let pos = 0;
    while (pos < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - pos);
        this.#skip -= n;
        pos += n;
        continue;
      }
      if (this.#name >= 0) {
        if (buf.length - pos < this.#name + 2) break;
        this.#command(buf.subarray(pos, pos + this.#name).toString('latin1').toLowerCase());
        pos += this.#name + 2;
        this.#name = -1;
        continue;
      }
      // Every RESP line of an AOF starts with '*' (a command) or '$' (an argument).
      if (buf[pos] !== 0x2a && buf[pos] !== 0x24) {
        this.counts.resp = false;
        return;
      }
      // The header's digits, read as bytes: no string per line (this runs once per argument).
      const kind = buf[pos]!;
      let at = pos + 1;
      let n = 0;
      let digits = 0;
      while (at < buf.length && buf[at]! >= 0x30 && buf[at]! <= 0x39 && digits < 16) {
        n = n * 10 + (buf[at]! - 0x30);
        at += 1;
        digits += 1;
      }
      if (at + 1 >= buf.length) break;
      if (digits === 0 || buf[at] !== 0x0d || buf[at + 1] !== 0x0a) {
        this.counts.resp = false;
        return;
      }
      pos = at + 2;
      if (kind === 0x2a && this.#args === 0 && n > 0) {
        this.#args = n;
        this.#atName = true;
      } else if (kind === 0x24 && this.#args > 0) {
        // The first bulk string of a command is its name; the others are skipped unread.
        this.#args -= 1;
        if (this.#atName) this.#name = n;
        else this.#skip = n + 2;
        this.#atName = false;
      } else {
        this.counts.resp = false;
        return;
      }
    }
    this.#pending = Buffer.from(buf.subarray(pos));
    // An incomplete line longer than any RESP header: this is not an AOF text stream.
    if (this.#pending.length > 65_536) this.counts.resp = false;
  }

  /** complete is true when the stream ended between two commands (not cut inside one). */
  get complete(): boolean {
    return this.counts.resp && this.#pending.length === 0 && this.#skip === 0 && this.#name < 0 && this.#args === 0;
  }

  #command(name: string): void {
    this.counts.commands += 1;
    if (FLUSH.has(name)) {
      this.counts.flushes += 1;
      this.counts.writesAfterFlush = 0;
    }
    else if (!NEUTRAL.has(name)) this.counts.writesAfterFlush += 1;
  }
}
