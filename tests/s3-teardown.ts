import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

// Vitest global setup of the integration and e2e projects: nothing at start (the offsite tests
// start the Ceph RGW on demand); at the end, stop it by pid if a test of this run started it.
const REPO = fileURLToPath(new URL('..', import.meta.url));
const MARKER = join(process.env.S3GW_DIR ?? `/tmp/autocodex-ops-s3gw.${process.getuid?.() ?? 0}`, 'started-by-tests');

export default function setup(): () => Promise<void> {
  return async () => {
    if (existsSync(MARKER)) await execa('bash', [join(REPO, 'scripts/s3-gateway.sh'), 'stop'], { stdio: 'inherit', timeout: 120_000, reject: false });
  };
}
