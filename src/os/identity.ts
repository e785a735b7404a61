import { lstatSync } from 'node:fs';

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
 * ownerToActAs returns the owner of `path` (not following a link) when this run is root and that
 * owner is another user: file work there is then done as that user, so a link the user plants
 * leads only where the user could write anyway. Undefined when no switch is needed (not root,
 * a root-owned path) or the path does not exist.
 */
export function ownerToActAs(path: string): Identity | undefined {
  if (!runningAsRoot()) return undefined;
  try {
    const st = lstatSync(path);
    return st.uid === 0 ? undefined : { uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}
