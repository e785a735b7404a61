// The server arguments of a hardened FalkorDB: AOF on and a password, in REDIS_ARGS (redis-server
// options, read before --loadmodule), the module's own words left in FALKORDB_ARGS. The Desktop UI
// puts `--appendonly yes --requirepass …` in FALKORDB_ARGS (app-rules.md §6); the stand-in and the
// real image both apply those as server options, so they are moved, never doubled.

/** Splits args into words; quotes are not interpreted (redis-server gets them word by word too). */
const words = (args: string | undefined): string[] => (args ?? '').split(/\s+/).filter(Boolean);

/** withoutOptions drops `--name value` pairs for the given option names (a bare `--name` at the end too). */
export function withoutOptions(args: string | undefined, names: readonly string[]): string {
  const out: string[] = [];
  const list = words(args);
  for (let i = 0; i < list.length; i += 1) {
    const w = list[i]!;
    if (names.includes(w.replace(/^--/, '').toLowerCase()) && w.startsWith('--')) {
      if (i + 1 < list.length && !list[i + 1]!.startsWith('--')) i += 1;
      continue;
    }
    out.push(w);
  }
  return out.join(' ');
}

/** The environment of the new server's arguments; the password appears only in REDIS_ARGS's value. */
export interface HardenedArgs {
  redisArgs: string;
  /** Undefined: leave the image's own module defaults in force. */
  falkordbArgs?: string;
}

/**
 * hardenedArgs keeps every other option of the old REDIS_ARGS/FALKORDB_ARGS and sets
 * `--appendonly yes --requirepass <password>` in REDIS_ARGS. Pure.
 */
export function hardenedArgs(old: { redisArgs?: string; falkordbArgs?: string }, password: string): HardenedArgs {
  const strip = ['appendonly', 'requirepass'];
  const redis = withoutOptions(old.redisArgs, strip);
  const module = withoutOptions(old.falkordbArgs, strip);
  return {
    redisArgs: [redis, '--appendonly yes', `--requirepass ${password}`].filter(Boolean).join(' '),
    ...(module ? { falkordbArgs: module } : {}),
  };
}
