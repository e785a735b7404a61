/** argValue finds `--name value` or `--name=value` in a server argument string (REDIS_ARGS, FALKORDB_ARGS). */
export function argValue(args: string | undefined, name: string): string | undefined {
  if (!args) return undefined;
  const tokens = args.trim().split(/\s+/);
  for (let i = 0; i < tokens.length; i += 1) {
    const t = tokens[i]!;
    if (t === `--${name}`) return tokens[i + 1]?.replace(/^["']|["']$/g, '');
    if (t.startsWith(`--${name}=`)) return t.slice(name.length + 3).replace(/^["']|["']$/g, '');
  }
  return undefined;
}

/** serverArg looks in REDIS_ARGS first (where FalkorDB's docs put server options), then FALKORDB_ARGS. */
export function serverArg(redisArgs: string | undefined, falkordbArgs: string | undefined, name: string): { value: string; from: string } | undefined {
  const fromRedis = argValue(redisArgs, name);
  if (fromRedis !== undefined) return { value: fromRedis, from: 'REDIS_ARGS' };
  const fromFalkor = argValue(falkordbArgs, name);
  return fromFalkor === undefined ? undefined : { value: fromFalkor, from: 'FALKORDB_ARGS' };
}
