import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Isolate every test file from the operator's machine: no real HOME, backups or
// Auto-Codex settings leak in through the environment.
const home = mkdtempSync(join(tmpdir(), 'aco-home-'));
process.env.HOME = home;
for (const key of Object.keys(process.env)) {
  if (/^(AUTO_CODEX_|AUTOCODEX_OPS_(?!DOCKER_TESTS)|GRAPHITI_|FALKORDB_|BACKUP_|USERDATA_DIR|REDIS_ARGS)/.test(key)) {
    delete process.env[key];
  }
}
process.env.NO_COLOR = '1';
// Restore journals go to the machine-wide /var/lib/autocodex-ops for root: each test file (and the
// programs it starts, which inherit this) keeps its own instead, so a journal one test leaves never
// fails another file's healthcheck.
process.env.AUTOCODEX_OPS_STATE_DIR = join(home, 'state');
