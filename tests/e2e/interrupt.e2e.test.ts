import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { startHungServer } from '../helpers/hung-server.js';

const REPO = new URL('../..', import.meta.url).pathname;
const BINARY = join(REPO, 'dist/autocodex-ops');

describe('Ctrl-C', () => {
  beforeAll(() => {
    if (!existsSync(BINARY)) execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops a healthcheck stuck on a hung FalkorDB and exits 130', async (sig) => {
    const hung = await startHungServer();
    try {
      const child = execa(BINARY, ['healthcheck', '--only', 'falkordb-live,falkordb-auth', '--timeout', '60000'], {
        reject: false,
        env: { GRAPHITI_ENABLED: 'true', GRAPHITI_FALKORDB_HOST: '127.0.0.1', GRAPHITI_FALKORDB_PORT: String(hung.port), NO_COLOR: '1' },
      });
      // Wait until it is really stuck talking to the hung server.
      for (let i = 0; i < 100 && hung.connections() === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(hung.connections()).toBeGreaterThan(0);
      const sent = Date.now();
      child.kill(sig);
      const res = await child;
      expect(res.exitCode).toBe(130);
      expect(Date.now() - sent).toBeLessThan(10_000);
      expect(res.stderr).toContain(`Received ${sig}`);
      expect(res.stderr).toMatch(/interrupted/i);
      expect(res.stdout).toBe('');
    } finally {
      await hung.stop();
    }
  });
});
