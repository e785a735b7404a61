import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Vitest global setup of every project: the run's temporary files (each test's mkdtemp, the
// programs it starts, which inherit TMPDIR) go into one folder, removed when the run ends, so a
// run leaves nothing in /tmp (a full run used to leave about 770 folders, 31 of them 97 MB each).
// Mode 1777 like /tmp: the permission tests' second user writes there too.
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'aco-test-run-'));
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
