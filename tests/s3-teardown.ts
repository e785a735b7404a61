import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

// Vitest global setup of the integration and e2e projects: nothing at start (the offsite tests
// start the Ceph RGW on demand); at the end, stop it by pid if a test of THIS run started it. The
// marker holds the run's token (provided to the tests), so that another run on the machine, ending
// earlier, never stops the gateway this one started and still uses.
const REPO = fileURLToPath(new URL('..', import.meta.url));
const MARKER = join(process.env.S3GW_DIR ?? `/tmp/autocodex-ops-s3gw.${process.getuid?.() ?? 0}`, 'started-by-tests');

export default function setup({ provide }: { provide: (key: 's3RunToken', value: string) => void }): () => Promise<void> {
  const token = randomBytes(8).toString('hex');
  provide('s3RunToken', token);
  return async () => {
    const startedByUs = existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === token;
    if (startedByUs) await execa('bash', [join(REPO, 'scripts/s3-gateway.sh'), 'stop'], { stdio: 'inherit', timeout: 120_000, reject: false });
  };
}
