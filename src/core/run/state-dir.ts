import { join } from 'node:path';
import { sharedDir } from './shared-dir.js';

/**
 * The machine-wide folder of state that must outlive the run and a reboot (restore journals):
 * unlike the locks' /run/lock, which a power cut empties, it is on disk.
 */
export const MACHINE_STATE_DIR = '/var/lib/autocodex-ops';

export interface StateDirInput {
  env: Record<string, string | undefined>;
  home: string;
  /** Effective uid of the run: only root creates the shared folder. */
  uid: number;
  /** Test seam: the shared folder to use instead of MACHINE_STATE_DIR. */
  machineDir?: string;
}

/**
 * opsStateDir is where every autocodex-ops run keeps the state that marks a target between runs
 * (the restore journal), so that runs from different roots, configurations and users find it:
 * AUTOCODEX_OPS_STATE_DIR when set, else /var/lib/autocodex-ops (created by root with mode 1777;
 * used when it is a root-owned sticky folder), else the per-user fallback
 * $XDG_STATE_HOME/autocodex-ops (~/.local/state/autocodex-ops, created 0700 when first written).
 */
export function opsStateDir({ env, home, uid, machineDir = MACHINE_STATE_DIR }: StateDirInput): string {
  if (env.AUTOCODEX_OPS_STATE_DIR) return env.AUTOCODEX_OPS_STATE_DIR;
  if (sharedDir(machineDir, uid)) return machineDir; // the rule of shared-dir.ts, as for the locks
  return join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'autocodex-ops');
}
