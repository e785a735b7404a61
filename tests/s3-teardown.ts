import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

// Vitest global setup of the integration and e2e projects: this run registers as a user of the
// shared Ceph RGW (the offsite tests start it on demand); at the end it releases it, and the last
// user out stops it by pid, only if tests started it (scripts/s3-gateway.sh use/release). So a run
// ending early never stops the gateway another run on the machine still uses.
const REPO = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(REPO, 'scripts/s3-gateway.sh');

export default async function setup(): Promise<() => Promise<void>> {
  await execa('bash', [SCRIPT, 'use', String(process.pid)], { stdio: 'inherit', timeout: 320_000 });
  return async () => {
    await execa('bash', [SCRIPT, 'release', String(process.pid)], { stdio: 'inherit', timeout: 320_000, reject: false });
  };
}
