// BIP-173 bech32 (not bech32m), as age encodes its keys: `age1…` recipients and
// `AGE-SECRET-KEY-1…` identities. age lifts BIP-173's 90-character limit; so do we.

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATORS[i]!;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >>> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

function convertBits(data: Iterable<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >>> bits) & maxv);
    }
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
    return undefined;
  }
  return out;
}

/** bech32Encode encodes bytes under a human-readable part, lower case (callers upper-case identities). */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  const lowerHrp = hrp.toLowerCase();
  const words = convertBits(data, 8, 5, true)!;
  const chk = polymod([...hrpExpand(lowerHrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (chk >>> (5 * (5 - i))) & 31);
  return `${lowerHrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}

/**
 * bech32Decode returns the human-readable part (lower case) and the bytes of a bech32 string, or
 * undefined when it is not valid bech32 (mixed case, bad character, bad checksum, bad padding).
 */
export function bech32Decode(text: string): { hrp: string; data: Buffer } | undefined {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return undefined;
  const s = text.toLowerCase();
  const sep = s.lastIndexOf('1');
  if (sep < 1 || sep + 7 > s.length) return undefined;
  const hrp = s.slice(0, sep);
  for (const c of hrp) if (c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126) return undefined;
  const words: number[] = [];
  for (const c of s.slice(sep + 1)) {
    const w = CHARSET.indexOf(c);
    if (w < 0) return undefined;
    words.push(w);
  }
  if (polymod([...hrpExpand(hrp), ...words]) !== 1) return undefined;
  const bytes = convertBits(words.slice(0, -6), 5, 8, false);
  return bytes ? { hrp, data: Buffer.from(bytes) } : undefined;
}
