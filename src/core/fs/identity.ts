import { lstatSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A user to act as: the owner of a folder this run works in. */
export interface Identity {
  uid: number;
  gid: number;
}

/** runningAsRoot tells whether this process has root's effective uid (never on Windows). */
export function runningAsRoot(): boolean {
  return process.geteuid?.() === 0;
}

/**
 * ownerToActAs returns the owner of `path` (not following a link; the nearest existing folder
 * above it when it does not exist yet) when this run is root and that owner is another user: file
 * work there is then done as that user, so a link the user plants leads only where the user could
 * write anyway, and what is created belongs to the user. Undefined when no switch is needed (not
 * root, a root-owned place).
 */
export function ownerToActAs(path: string): Identity | undefined {
  if (!runningAsRoot()) return undefined;
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      const st = lstatSync(p);
      return st.uid === 0 ? undefined : { uid: st.uid, gid: st.gid };
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}
