import { createHmac, hkdfSync } from 'node:crypto';
import { UsageError } from '../errors.js';

// The age v1 header (https://age-encryption.org/v1): a version line, one stanza per recipient
// ("-> type args…" then its body in base64 lines of 64 columns, the last one shorter), and
// "--- <MAC>", the HMAC-SHA256 of everything up to and including "---".

/** The first line of every binary age v1 file. */
export const AGE_VERSION_LINE = 'age-encryption.org/v1';
const ARMOR_LINE = '-----BEGIN AGE ENCRYPTED FILE-----';
// Our headers hold one small stanza per recipient; refuse to buffer more than this before the MAC.
const MAX_HEADER_BYTES = 1024 * 1024;
const BODY_COLUMNS = 64;

/** One recipient stanza: its type, arguments and decoded body. */
export interface Stanza {
  type: string;
  args: string[];
  body: Buffer;
}

/** A parsed header: its stanzas, the MAC, and the exact bytes the MAC covers. */
export interface AgeHeader {
  stanzas: Stanza[];
  mac: Buffer;
  macInput: Buffer;
  /** Bytes of the header including the MAC line's newline; the payload nonce follows. */
  length: number;
}

/** encodeBase64 is age's base64: standard alphabet, no padding. */
export function encodeBase64(data: Uint8Array): string {
  return Buffer.from(data).toString('base64').replace(/=+$/, '');
}

/** decodeBase64 decodes age's canonical unpadded base64, or returns undefined when it is anything else. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return undefined;
  const data = Buffer.from(text, 'base64');
  return encodeBase64(data) === text ? data : undefined;
}

/** hkdf is HKDF-SHA256 with a 32-byte output, as every age key derivation uses it. */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

/** headerMac is the HMAC-SHA256 of the header bytes under a key derived from the file key. */
export function headerMac(fileKey: Uint8Array, macInput: Uint8Array): Buffer {
  return createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(macInput).digest();
}

function stanzaText(s: Stanza): string {
  const b64 = encodeBase64(s.body);
  const lines: string[] = [];
  // The body always ends with a line shorter than 64 columns, empty when the length divides evenly.
  for (let i = 0; i <= b64.length; i += BODY_COLUMNS) lines.push(b64.slice(i, i + BODY_COLUMNS));
  return `-> ${[s.type, ...s.args].join(' ')}\n${lines.join('\n')}\n`;
}

/** encodeHeader builds the header bytes for these stanzas, MAC included, under the file key. */
export function encodeHeader(stanzas: readonly Stanza[], fileKey: Uint8Array): Buffer {
  const macInput = Buffer.from(`${AGE_VERSION_LINE}\n${stanzas.map(stanzaText).join('')}---`, 'latin1');
  return Buffer.concat([macInput, Buffer.from(` ${encodeBase64(headerMac(fileKey, macInput))}\n`, 'latin1')]);
}

/** Raised for anything that is not a well-formed age v1 header: the archive is corrupt or not age. */
export function corruptHeader(reason: string): UsageError {
  return new UsageError(`The archive is not a valid age file: ${reason}.`, {
    hint: 'The file may be truncated or damaged; check its .sha256 sidecar (`sha256sum -c`) and use another copy.',
  });
}

const isArg = (a: string) => a.length > 0 && /^[\x21-\x7e]+$/.test(a);

/**
 * parseHeader reads an age v1 header from the start of `buf`. It returns undefined while `buf`
 * may still be an incomplete header, and throws corruptHeader when it cannot become one
 * (another format, the ASCII armor, bad base64, a stanza body not ending in a short line, or more
 * than 1 MiB without a MAC line).
 */
export function parseHeader(buf: Buffer): AgeHeader | undefined {
  let pos = 0;
  const nextLine = (): string | undefined => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) {
      if (buf.length > MAX_HEADER_BYTES) throw corruptHeader('no header end in the first MiB');
      return undefined;
    }
    const line = buf.toString('latin1', pos, nl);
    pos = nl + 1;
    return line;
  };
  const version = nextLine();
  if (version === undefined) {
    const head = buf.toString('latin1', 0, Math.min(buf.length, AGE_VERSION_LINE.length));
    if (!AGE_VERSION_LINE.startsWith(head) && !ARMOR_LINE.startsWith(head)) throw corruptHeader('it does not start with the age v1 version line');
    return undefined;
  }
  if (version === ARMOR_LINE) throw corruptHeader('it is ASCII-armored (age -a); decrypt it with `age -d` or re-encrypt without -a');
  if (version !== AGE_VERSION_LINE) throw corruptHeader('it does not start with the age v1 version line');
  const stanzas: Stanza[] = [];
  for (;;) {
    const line = nextLine();
    if (line === undefined) return undefined;
    if (line.startsWith('--- ')) {
      const mac = decodeBase64(line.slice(4));
      if (!mac || mac.length !== 32) throw corruptHeader('the header MAC is malformed');
      if (stanzas.length === 0) throw corruptHeader('it has no recipient stanza');
      return { stanzas, mac, macInput: buf.subarray(0, pos - line.length - 1 + 3), length: pos };
    }
    if (!line.startsWith('-> ')) throw corruptHeader('a header line is neither a stanza nor the MAC');
    const [type, ...args] = line.slice(3).split(' ');
    if (!type || !isArg(type) || !args.every(isArg)) throw corruptHeader('a stanza line is malformed');
    const parts: Buffer[] = [];
    for (;;) {
      const bodyLine = nextLine();
      if (bodyLine === undefined) return undefined;
      const part = bodyLine.length <= BODY_COLUMNS ? decodeBase64(bodyLine) : undefined;
      if (!part) throw corruptHeader('a stanza body is not canonical base64 in 64-column lines');
      parts.push(part);
      if (bodyLine.length < BODY_COLUMNS) break;
    }
    stanzas.push({ type, args, body: Buffer.concat(parts) });
  }
}
