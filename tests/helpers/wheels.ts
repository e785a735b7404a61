import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A small pure-Python wheel: its metadata is all pip reads when it resolves. */
export interface WheelSpec {
  name: string;
  version: string;
  /** `Requires-Python`, e.g. `>=3.12`. */
  requiresPython?: string;
  /** `Requires-Dist` lines, markers included: `delta; python_version < "3.12"`. */
  requires?: string[];
  /** `Provides-Extra` names. */
  extras?: string[];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** zipStored builds a zip archive of uncompressed entries (what pip and Python's zipfile read). */
export function zipStored(files: ReadonlyArray<readonly [string, string]>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of files) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x21, 12); // 1980-01-01 00:00: fixed, so a wheel's bytes depend on its content only
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x21, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    central.push(entry, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...central, end]);
}

const recordHash = (text: string) => `sha256=${createHash('sha256').update(text).digest('base64url')}`;

/** writeWheel writes `<name>-<version>-py3-none-any.whl` into `dir` and returns its path. */
export async function writeWheel(dir: string, spec: WheelSpec): Promise<string> {
  const dist = `${spec.name.replace(/[-.]+/g, '_')}-${spec.version}`;
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    ...(spec.requiresPython ? [`Requires-Python: ${spec.requiresPython}`] : []),
    ...(spec.extras ?? []).map((e) => `Provides-Extra: ${e}`),
    ...(spec.requires ?? []).map((r) => `Requires-Dist: ${r}`),
    '',
  ].join('\n');
  const files: Array<[string, string]> = [
    [`${dist.split('-')[0]}/__init__.py`, `__version__ = "${spec.version}"\n`],
    [`${dist}.dist-info/METADATA`, metadata],
    [`${dist}.dist-info/WHEEL`, 'Wheel-Version: 1.0\nGenerator: autocodex-ops-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n'],
  ];
  const record = [...files.map(([path, text]) => `${path},${recordHash(text)},${Buffer.byteLength(text)}`), `${dist}.dist-info/RECORD,,`, ''].join('\n');
  files.push([`${dist}.dist-info/RECORD`, record]);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${dist}-py3-none-any.whl`);
  await writeFile(path, zipStored(files));
  return path;
}

/** writeWheels writes each spec into `dir` (a `PIP_FIND_LINKS` folder). */
export async function writeWheels(dir: string, specs: readonly WheelSpec[]): Promise<void> {
  for (const spec of specs) await writeWheel(dir, spec);
}
