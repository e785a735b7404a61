import { basename } from 'node:path';
import type { CommandContext } from '../context.js';
import type { BackupListing } from '../core/backup-store/list.js';
import type { OpsConfig } from '../core/config/load.js';
import { OpsError } from '../core/errors.js';
import { formatBytes } from '../core/format-bytes.js';
import { kindPrefix } from '../core/offsite/remote-keys.js';
import { listRemoteBackups } from '../core/offsite/remote-list.js';
import { describeLocation } from '../core/offsite/s3-url.js';
import { openOffsite, requireOffsite } from './offsite-shared.js';

const KIND_FILTER: Record<string, (kind: string) => boolean> = {
  falkordb: (k) => k === 'falkordb',
  userdata: (k) => k === 'userdata',
  'pre-restore': (k) => k.endsWith('pre-restore'),
};

/** printRemoteList is `backup list --remote`: the offsite archives, newest first. */
export async function printRemoteList(ctx: CommandContext, config: OpsConfig, kind?: string): Promise<void> {
  const offsite = await requireOffsite(ctx, config);
  const store = await offsite.store();
  const all = await listRemoteBackups(store, offsite.config.location, { signal: ctx.signal });
  const backups = kind ? all.filter((b) => KIND_FILTER[kind]?.(b.kind) ?? b.kind === kind) : all;
  const location = describeLocation(offsite.config.location);
  ctx.printer.result({ location, backups }, () => {
    if (backups.length === 0) return `No backups at ${location}.`;
    return backups
      .map((b) => {
        const lock = b.retainUntil ? `locked until ${b.retainUntil.slice(0, 10)}` : b.legalHold ? 'legal hold' : 'not locked';
        const state = b.hasSidecar ? (b.sha256 ? `sha256 ${b.sha256.slice(0, 12)}…` : 'no sha256') : 'INCOMPLETE (no .sha256)';
        return `${b.createdAt}  ${formatBytes(b.bytes).padStart(10)}  ${b.kind.padEnd(20)}  ${state.padEnd(22)}  ${lock.padEnd(23)}  ${b.name}`;
      })
      .join('\n');
  });
}

/**
 * withRemoteColumn adds `remote: true|false` to each local row when a store is configured. The
 * local list must work with the store down: a failure is a warning and the column stays absent.
 */
export async function withRemoteColumn(ctx: CommandContext, config: OpsConfig, rows: BackupListing[]): Promise<(BackupListing & { remote?: boolean })[]> {
  const offsite = await openOffsite(ctx, config);
  if (!offsite) return rows;
  try {
    const store = await offsite.store();
    const names = new Set((await store.list(kindPrefix(offsite.config.location), ctx.signal)).map((o) => basename(o.key)));
    return rows.map((r) => ({ ...r, remote: names.has(basename(r.archive)) && names.has(`${basename(r.archive)}.sha256`) }));
  } catch (err) {
    if (!(err instanceof OpsError) || err.exitCode === 130) throw err;
    ctx.log.warn(`Could not list the offsite copies: ${err.message}`);
    return rows;
  }
}
