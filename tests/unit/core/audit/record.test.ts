import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { auditRecordSchema, canonicalJson, GENESIS, recordHash, sealRecord } from '../../../../src/core/audit/record.js';
import { entry } from '../../../helpers/audit.js';

const hasJq = (() => {
  try {
    execFileSync('jq', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined fields and adds no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, u: undefined, '10': 0 })).toBe('{"10":0,"a":{"c":true,"d":[1,"x",null]},"b":1}');
  });
  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});

describe('sealRecord', () => {
  it('chains after the tip: seq+1, prev = tip hash, hash over everything but hash', () => {
    const first = sealRecord(entry(1), { seq: 0, hash: GENESIS });
    expect(first.record).toMatchObject({ v: 1, seq: 1, prev: GENESIS });
    expect(first.record.hash).toBe(recordHash(first.record));
    const second = sealRecord(entry(2), first.record);
    expect(second.record).toMatchObject({ seq: 2, prev: first.record.hash });
    expect(auditRecordSchema.parse(JSON.parse(second.line))).toEqual(second.record);
    expect(second.line.endsWith('\n')).toBe(true);
    expect(second.line.slice(0, -1)).not.toContain('\n');
  });

  it('any change to any field changes the hash', () => {
    const { record } = sealRecord(entry(1), { seq: 0, hash: GENESIS });
    expect(recordHash({ ...record, exitCode: 1 })).not.toBe(record.hash);
    expect(recordHash({ ...record, details: { archive: 'other' } })).not.toBe(record.hash);
    expect(recordHash({ ...record, prev: 'f'.repeat(64) })).not.toBe(record.hash);
  });

  it.skipIf(!hasJq)('the hash can be recomputed by hand with jq -cS and sha256sum', () => {
    const { line, record } = sealRecord(entry(1, { details: { note: 'ünïcode "quoted" \\ tab\t', list: [1, 2.5] } }), { seq: 0, hash: GENESIS });
    const body = execFileSync('jq', ['-cSj', 'del(.hash)'], { input: line });
    const hex = execFileSync('sha256sum', { input: body }).toString().split(' ')[0];
    expect(hex).toBe(record.hash);
  });
});
