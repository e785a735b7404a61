import type { CommandContext } from '../context.js';
import type { OpsConfig } from '../core/config/load.js';
import { currentIds } from '../core/config/trust.js';
import { opsLockDir } from '../core/run/lock-dir.js';
import { engineKey, falkordbLockTarget, imagesLockTarget, userdataLockTarget, type LockTargets } from '../core/run/target-lock.js';

/** Where this run's locks live and what they are named for (its engine, volume, userData folder, compose project). */
export interface LockPlace {
  lockDir: string;
  locks: LockTargets;
  images: string;
}

/** lockPlace computes the machine-wide lock folder and the lock names of this configuration. */
export function lockPlace(ctx: CommandContext, config: OpsConfig): LockPlace {
  const { env, home } = ctx.runtime;
  const engine = engineKey(env);
  return {
    lockDir: opsLockDir({ env, home, uid: (ctx.runtime.identity ?? currentIds()).uid }),
    locks: { falkordb: falkordbLockTarget(engine, config.falkordb.volume), userdata: userdataLockTarget(config.userdataDir) },
    images: imagesLockTarget(engine, config.composeProject),
  };
}
