import type { Identity } from './identity.js';

// Root working in a user's folder acts as that user: the effective uid/gid (and groups) are
// switched around synchronous calls only, so no other asynchronous work of this process ever runs
// as the user, and the switch back happens before the event loop turns. (glibc applies seteuid to
// every thread of the process.)

let depth = 0;

/**
 * asOwnerSync runs the synchronous `fn` with `who`'s effective uid, gid and groups, and switches
 * back to root before returning or throwing. With `who` undefined it just runs `fn`. Nested calls
 * run inside the outer switch.
 */
export function asOwnerSync<T>(who: Identity | undefined, fn: () => T): T {
  if (!who || depth > 0) return fn();
  const groups = process.getgroups!();
  const egid = process.getegid!();
  process.setgroups!([who.gid]);
  process.setegid!(who.gid);
  try {
    process.seteuid!(who.uid);
  } catch (err) {
    process.setegid!(egid);
    process.setgroups!(groups);
    throw err;
  }
  depth += 1;
  try {
    return fn();
  } finally {
    depth -= 1;
    process.seteuid!(0);
    process.setegid!(egid);
    process.setgroups!(groups);
  }
}
