import { describe, expect, it } from 'vitest';
import { planComposeEdits } from '../../../../src/core/harden/compose-edits.js';

const DATA = '/var/lib/falkordb/data';
const edit = (text: string, pinned = 'falkordb/falkordb:v4.2.1') => planComposeEdits(Buffer.from(text, 'latin1'), { dataDir: DATA, pinned });

describe('planComposeEdits', () => {
  it('edits only the volume, port and image lines of the falkordb service, every other byte (CRLF, comments, other services) kept', () => {
    const text = [
      'services:',
      '  falkordb:',
      '    image: falkordb/falkordb:latest  # upstream',
      '    ports:',
      "      - '6380:6379'",
      '      - "0.0.0.0:9999:6379"',
      '    volumes:',
      '      - falkordb_data:/data:rw # the trap',
      '    environment:',
      '      - REDIS_ARGS=${REDIS_ARGS:-}',
      '  graphiti-mcp:',
      '    image: foo:latest',
      '    ports:',
      '      - "8000:8000"',
      '    volumes:',
      '      - other:/data',
      '',
    ].join('\r\n');
    const plan = edit(text);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.argsVar).toBe('REDIS_ARGS');
    expect(plan.tagVar).toBeUndefined();
    expect(plan.bytes.toString('latin1')).toBe(
      text
        .replace('falkordb/falkordb:latest  # upstream', 'falkordb/falkordb:v4.2.1  # upstream')
        .replace("'6380:6379'", "'127.0.0.1:6380:6379'")
        .replace('"0.0.0.0:9999:6379"', '"127.0.0.1:9999:6379"')
        .replace('falkordb_data:/data:rw # the trap', `falkordb_data:${DATA}:rw # the trap`),
    );
    expect(plan.changes).toHaveLength(4);
  });

  it('long-syntax volume target; FALKORDB_ARGS and FALKORDB_IMAGE_TAG interpolation', () => {
    const text = 'services:\n  falkordb:\n    image: "falkordb/falkordb:${FALKORDB_IMAGE_TAG}"\n    ports: ["127.0.0.1:6380:6379"]\n    volumes:\n      - type: volume\n        source: falkordb_data\n        target: /data\n    environment:\n      FALKORDB_ARGS: "${FALKORDB_ARGS:---appendonly yes}"\n';
    const plan = edit(text);
    expect(plan).toMatchObject({ ok: true, argsVar: 'FALKORDB_ARGS', tagVar: 'FALKORDB_IMAGE_TAG' });
    if (plan.ok) expect(plan.bytes.toString()).toBe(text.replace('target: /data', `target: ${DATA}`));
  });

  it.each([
    ['no falkordb service', 'services:\n  redis:\n    volumes:\n      - d:/data\n', /no "falkordb:" service/],
    ['no volume on /data', 'services:\n  falkordb:\n    volumes:\n      - d:/var/lib/falkordb/data\n    environment:\n      - REDIS_ARGS=${REDIS_ARGS}\n', /no volume of the falkordb service is mounted at \/data/],
    ['no args from the environment', 'services:\n  falkordb:\n    volumes:\n      - d:/data\n    environment:\n      - FALKORDB_ARGS=--appendonly yes\n', /neither \$\{REDIS_ARGS\} nor \$\{FALKORDB_ARGS\}/],
  ])('refuses a file it cannot edit safely: %s', (_n, text, reason) => {
    const plan = edit(text);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.reason).toMatch(reason);
  });
});
