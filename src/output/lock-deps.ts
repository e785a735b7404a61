import { paint } from './printer.js';
import { formatChange } from '../core/lock-deps/lock-file.js';
import type { LockDepsResult, LockReport } from '../core/lock-deps/run-lock-deps.js';

const COLOUR: Record<LockReport['status'], 'green' | 'yellow' | 'red' | 'dim'> = {
  created: 'green',
  updated: 'green',
  unchanged: 'dim',
  current: 'green',
  stale: 'red',
  missing: 'red',
};

// More than this many changed packages per lock are summarised; the --json result has them all.
const MAX_LISTED = 12;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * renderLockDeps is the human result of lock-deps: one line per lock with its status and the
 * packages that changed (or would change), and with --check a closing line naming the command
 * that brings stale locks up to date.
 */
export function renderLockDeps(result: LockDepsResult, color: boolean): string {
  const width = Math.max(...result.locks.map((l) => l.lock.length));
  const lines = result.locks.map((l) => {
    const head = `${paint(color, COLOUR[l.status], l.status.padEnd(9))} ${l.lock.padEnd(width)}  Python ${l.python}, ${plural(l.packages, 'package')}`;
    const released = l.released?.length ? [`    committed pin no longer resolves, re-resolved: ${l.released.join(', ')}`] : [];
    // A new lock lists every package as new: the count says enough.
    if (l.changes.length === 0 || l.status === 'created' || l.status === 'missing') return [head, ...released].join('\n');
    const shown = l.changes.slice(0, MAX_LISTED).map((c) => `    ${formatChange(c)}`);
    if (l.changes.length > MAX_LISTED) shown.push(`    … and ${l.changes.length - MAX_LISTED} more`);
    const verb = l.status !== 'stale' ? 'changed' : l.changes.length === 1 ? 'differs' : 'differ';
    return [`${head}; ${plural(l.changes.length, 'package')} ${verb}:`, ...shown, ...released].join('\n');
  });
  if (result.check) {
    const bad = result.locks.filter((l) => l.status === 'stale' || l.status === 'missing');
    const args =
      [...new Set(result.locks.map((l) => l.python))].join(' ') +
      (result.universal ? ' --universal' : '') +
      (result.pins === 'keep' ? '' : ` --${result.pins}`);
    lines.push(
      bad.length === 0
        ? `All ${result.locks.length} lock files are current.`
        : `${bad.length} of ${result.locks.length} lock files are stale or missing; regenerate them with \`autocodex-ops lock-deps ${args}\`.`,
    );
  }
  return lines.join('\n');
}
