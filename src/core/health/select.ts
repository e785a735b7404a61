import { UsageError } from '../errors.js';
import type { Check } from './types.js';

/** parseIds splits `--only a,b --only c` style values into ids. */
export function parseIds(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/**
 * selectChecks applies --only and --skip; an unknown id in either is a usage error (exit 2)
 * naming the valid ids, raised before any check runs.
 */
export function selectChecks(all: readonly Check[], only: string[], skipIds: string[]): { checks: Check[]; skip: Set<string> } {
  const known = new Set(all.map((c) => c.id));
  const unknown = [...only, ...skipIds].filter((id) => !known.has(id));
  if (unknown.length) {
    throw new UsageError(`unknown check id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `Valid ids: ${[...known].join(', ')} (see --list-checks).`,
    });
  }
  const checks = only.length ? all.filter((c) => only.includes(c.id)) : [...all];
  if (checks.every((c) => skipIds.includes(c.id))) {
    throw new UsageError('no check selected: --skip removes every check --only chose', { hint: 'Drop one of the ids from --skip, or widen --only.' });
  }
  return { checks, skip: new Set(skipIds) };
}
