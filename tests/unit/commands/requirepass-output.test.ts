import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../helpers/run-program.js';

// Issue 14 §3: the `--requirepass` masking must hide values, never the words after the option.

describe('--requirepass in messages', () => {
  it('the healthcheck says what is missing and hints with a placeholder, unmasked; a short password never reaches the output', async () => {
    const root = mkdtempSync(join(tmpdir(), 'aco-rp-'));
    const env = { GRAPHITI_FALKORDB_PASSWORD: 'pw', GRAPHITI_FALKORDB_HOST: '127.0.0.1', GRAPHITI_FALKORDB_PORT: '1', AUTO_CODEX_PRODUCTION: 'true', GRAPHITI_ENABLED: 'true' };
    const run = await runProgram(['healthcheck', '--only', 'falkordb-auth', '--root', root], { env });
    expect(run.stdout).toContain('REDIS_ARGS/FALKORDB_ARGS missing --requirepass (');
    expect(run.stdout).toContain('Add `--requirepass <password>` to REDIS_ARGS');
    const json = await runProgram(['config', '--json', '--root', root], { env: { ...env, REDIS_ARGS: '--appendonly yes --requirepass pw' } });
    expect(json.stdout).toContain('--appendonly yes --requirepass ***');
    expect(json.stdout).not.toMatch(/"pw"|requirepass pw/);
    rmSync(root, { recursive: true, force: true });
  });
});
