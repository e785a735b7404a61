import { join } from 'node:path';

/**
 * opsLockDir is the folder of the per-target lock files of every autocodex-ops command:
 * `<root>/.autocodex-ops/locks`. It hangs off the Auto-Codex checkout, not the backup folder,
 * so a backup to another --output-dir and a restore still exclude each other. Pure.
 */
export function opsLockDir(root: string): string {
  return join(root, '.autocodex-ops', 'locks');
}
