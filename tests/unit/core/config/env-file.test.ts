import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { rewriteEnv } from '../../../../src/core/config/env-file.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/rollback/env/', import.meta.url));
const NEW = { FALKORDB_IMAGE_TAG: 'v4.1.0', GRAPHITI_MCP_IMAGE_TAG: '0.3.9' };
const fixture = (name: string) => readFileSync(`${FIXTURES}${name}`);

describe('rewriteEnv: fixture files, compared byte for byte', () => {
  it.each(['commented', 'quoted', 'duplicates', 'no-trailing-newline', 'multiline', 'missing-keys'])('%s.env', (name) => {
    const original = fixture(`${name}.env`);
    const { bytes } = rewriteEnv(original, NEW);
    expect(bytes.equals(fixture(`${name}.expected.env`))).toBe(true);
    // Every other variable reads the same as before, and the two read as the new tags.
    const before = parse(original);
    const after = parse(bytes);
    expect(after).toEqual({ ...before, ...NEW });
  });

  it('reports every change with its line and old value', () => {
    const { changes, appended } = rewriteEnv(fixture('duplicates.env'), NEW);
    expect(changes).toEqual([
      { key: 'FALKORDB_IMAGE_TAG', line: 1, from: 'v4.0.0', to: 'v4.1.0' },
      { key: 'GRAPHITI_MCP_IMAGE_TAG', line: 2, from: '0.3.0', to: '0.3.9' },
      { key: 'FALKORDB_IMAGE_TAG', line: 4, from: 'v4.2.1', to: 'v4.1.0' },
      { key: 'GRAPHITI_MCP_IMAGE_TAG', line: 5, from: '0.4.0', to: '0.3.9' },
    ]);
    expect(appended).toEqual([]);
    expect(rewriteEnv(fixture('missing-keys.env'), NEW).appended).toEqual(['FALKORDB_IMAGE_TAG', 'GRAPHITI_MCP_IMAGE_TAG']);
  });

  it('leaves a key inside a multi-line quoted value alone', () => {
    const { changes } = rewriteEnv(fixture('multiline.env'), NEW);
    expect(changes.map((c) => c.line)).toEqual([4, 5]);
  });
});

describe('rewriteEnv: bytes that must survive', () => {
  it('keeps CRLF line ends and appends in the same style', () => {
    const original = Buffer.from('# win\r\nFALKORDB_IMAGE_TAG=v4.2.1\r\nOTHER=1\r\n');
    expect(rewriteEnv(original, NEW).bytes.toString()).toBe('# win\r\nFALKORDB_IMAGE_TAG=v4.1.0\r\nOTHER=1\r\nGRAPHITI_MCP_IMAGE_TAG=0.3.9\r\n');
  });

  it('appends after a last line without newline by adding one first', () => {
    const original = Buffer.from('A=1\r\nB=2');
    expect(rewriteEnv(original, { FALKORDB_IMAGE_TAG: 'x1' }).bytes.toString()).toBe('A=1\r\nB=2\r\nFALKORDB_IMAGE_TAG=x1\r\n');
  });

  it('writes into an empty file', () => {
    expect(rewriteEnv(Buffer.alloc(0), NEW).bytes.toString()).toBe('FALKORDB_IMAGE_TAG=v4.1.0\nGRAPHITI_MCP_IMAGE_TAG=0.3.9\n');
  });

  it('keeps bytes that are not UTF-8 and a UTF-8 byte-order mark', () => {
    const latin1 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('FALKORDB_IMAGE_TAG=v1\nNOTE=caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]);
    const { bytes, changes } = rewriteEnv(latin1, { FALKORDB_IMAGE_TAG: 'v2' });
    expect(changes).toHaveLength(1);
    expect(bytes.equals(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('FALKORDB_IMAGE_TAG=v2\nNOTE=caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]))).toBe(true);
  });

  it('keeps the blank before an inline comment when the old value was empty', () => {
    expect(rewriteEnv(Buffer.from('FALKORDB_IMAGE_TAG= # set me\n'), { FALKORDB_IMAGE_TAG: 'v2' }).bytes.toString()).toBe('FALKORDB_IMAGE_TAG=v2 # set me\n');
  });

  it('reads an unterminated quote as dotenv does: the line alone, later lines untouched', () => {
    const original = Buffer.from('FALKORDB_IMAGE_TAG="v1\nGRAPHITI_MCP_IMAGE_TAG=0.4.0\n');
    expect(rewriteEnv(original, NEW).bytes.toString()).toBe('FALKORDB_IMAGE_TAG=v4.1.0\nGRAPHITI_MCP_IMAGE_TAG=0.3.9\n');
  });

  it('returns the input unchanged when the values already match', () => {
    const original = fixture('commented.expected.env');
    expect(rewriteEnv(original, NEW).bytes.equals(original)).toBe(true);
  });

  it('refuses values it could not write safely', () => {
    expect(() => rewriteEnv(Buffer.alloc(0), { FALKORDB_IMAGE_TAG: 'a b # c' })).toThrow(TypeError);
    expect(() => rewriteEnv(Buffer.alloc(0), { FALKORDB_IMAGE_TAG: 'x"y' })).toThrow(TypeError);
    expect(() => rewriteEnv(Buffer.alloc(0), { FALKORDB_IMAGE_TAG: 'a\nb' })).toThrow(TypeError);
  });
});
