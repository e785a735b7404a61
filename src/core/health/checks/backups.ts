import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ArchiveKey } from '../../archive/archive-encryption.js';
import { loadIdentityFile } from '../../crypto/key-files.js';
import { looksLikeFalkorData } from '../../archive/read-archive.js';
import { inspectArchive } from '../../backup-store/verify.js';
import { listBackups, type BackupRecord } from '../../backup-store/catalog.js';
import { futureDatedNote, isFutureDated, newestDatedUpToNow } from '../../backup-store/future-dated.js';
import { escalate, ok, skip, warn, SkipCheck, type Check, type CheckContext, type CheckResult } from '../types.js';
import { formatBytes } from '../../format-bytes.js';

const HOUR = 3600_000;

async function newest(ctx: CheckContext): Promise<BackupRecord> {
  // The newest dated up to now, as freshness judges it (a future-dated file is not "the latest
  // backup"); when every backup is future-dated, the newest of them is still worth reading.
  const all = await listBackups(ctx.config.backupDir, 'falkordb');
  const latest = newestDatedUpToNow(all, ctx.now()).latest ?? all[0];
  if (!latest) throw new SkipCheck(`no FalkorDB backups in ${ctx.config.backupDir} (see backup-freshness)`);
  return latest;
}

/**
 * freshness judges the newest archive of a kind by age in hours against AUTO_CODEX_BACKUP_MAX_AGE_DAYS
 * (never floored). A backup dated in the future never counts as fresh (issue 23 §4): the newest one
 * dated no later than now is judged, and any future-dated one turns an ok into a warning.
 */
function freshness(kind: 'falkordb' | 'userdata', label: string, hint: string, whenNone: (ctx: CheckContext) => CheckResult | undefined): Check['run'] {
  return async (ctx) => {
    const { backupMaxAgeDays: maxDays, backupDir, enforce } = ctx.config;
    if (maxDays === 0) return ok('Backup age check disabled (AUTO_CODEX_BACKUP_MAX_AGE_DAYS=0)');
    const now = ctx.now();
    const all = await listBackups(backupDir, kind);
    const future = all.filter((r) => isFutureDated(r.createdAt, now));
    const latest = all.find((r) => !isFutureDated(r.createdAt, now));
    const skew = future.length > 0 ? `; not counted: ${future.map((r) => futureDatedNote(r.archive, r.createdAt, now)).join('; ')}` : '';
    const skewHint = future.length > 0 ? ' Check the clock (timedatectl) and the future-dated file(s); remove or re-date them by hand.' : '';
    if (!latest) {
      if (future.length === 0) return whenNone(ctx) ?? escalate(enforce.backups, `No ${label} backups found in ${backupDir}`, hint);
      return escalate(enforce.backups, `No ${label} backup dated up to now in ${backupDir}${skew}`, `${hint}${skewHint}`);
    }
    const hours = (now.getTime() - latest.createdAt.getTime()) / HOUR;
    const age = `${(hours / 24).toFixed(1)} days (${hours.toFixed(1)} h, from the ${latest.createdAtSource === 'manifest' ? 'manifest' : 'file time'})`;
    if (hours > maxDays * 24) {
      return escalate(enforce.backups, `Latest ${label} backup is ${age} old (max allowed: ${maxDays} days): ${latest.archive}${skew}`, `${hint}${skewHint}`);
    }
    if (future.length > 0) return warn(`Latest ${label} backup age: ${age} (${latest.archive})${skew}`, skewHint.trim());
    return ok(`Latest ${label} backup age: ${age} (${latest.archive})`);
  };
}

/** backup-freshness: the newest falkordb_data_* archive against AUTO_CODEX_BACKUP_MAX_AGE_DAYS. */
export const backupFreshnessCheck: Check = {
  id: 'backup-freshness',
  group: 'backups',
  title: 'backup freshness',
  requiresGraphiti: true,
  run: freshness('falkordb', 'FalkorDB', 'Run `autocodex-ops backup falkordb` now and schedule it (cron) at least daily.', () => undefined),
};

/**
 * userdata-backup-freshness: the same age rule for userdata_* archives. Without any userData backup it
 * is skipped unless backups are enforced (production or AUTO_CODEX_ENFORCE_BACKUPS), where it fails.
 */
export const userdataBackupFreshnessCheck: Check = {
  id: 'userdata-backup-freshness',
  group: 'backups',
  title: 'userData backup freshness',
  run: freshness('userdata', 'userData', 'Run `autocodex-ops backup userdata` now and schedule it (cron) at least daily.', (ctx) =>
    ctx.config.enforce.backups ? undefined : skip(`no userData backups in ${ctx.config.backupDir} (checked when one exists, or when backups are enforced)`),
  ),
};

/** backup-integrity: the newest archive's sidecar matches and every entry of the archive reads. */
export const backupIntegrityCheck: Check = {
  id: 'backup-integrity',
  group: 'backups',
  title: 'backup integrity',
  requiresGraphiti: true,
  minTimeoutMs: 120_000,
  async run(ctx) {
    const latest = await newest(ctx);
    const enforced = ctx.config.enforce.backups;
    const verifyHint = `Run \`autocodex-ops backup verify ${latest.archive}\` and take a fresh backup.`;
    const age = ctx.config.age;
    const recipientsSet = Boolean(age.recipients || age.recipientsFile);
    let key: ArchiveKey | undefined;
    if (latest.encrypted && age.identityFile) {
      try {
        key = { identities: await loadIdentityFile(age.identityFile), source: age.identityFile };
      } catch (err) {
        return escalate(enforced, `The age identity cannot be used: ${(err as Error).message}`, 'Fix AUTOCODEX_OPS_AGE_IDENTITY (a 0600 file of this user).');
      }
    }
    // The same verifier as `backup verify` and restore; the check only escalates what it finds.
    const found = await inspectArchive(latest.archive, ctx.signal, key);
    const listing = found.listing;
    if (found.problems.length > 0) return escalate(enforced, `Latest FalkorDB backup fails verification: ${found.problems.join('; ')} (${latest.archive})`, verifyHint);
    if (found.encrypted?.checked === 'header') {
      // Issue 21: a server that holds only public keys checks what it can: the age header and the sidecar.
      if (found.sidecar === 'missing') return escalate(enforced, `Latest FalkorDB backup checksum missing: ${latest.archive}.sha256`, 'Backups made by autocodex-ops always have one; take a fresh backup.');
      return ok('Latest FalkorDB backup is encrypted (age): header valid, checksum matches; content not read (no AUTOCODEX_OPS_AGE_IDENTITY on this machine)');
    }
    if (!listing) return escalate(enforced, `Latest FalkorDB backup fails verification (${latest.archive})`, verifyHint);
    if (!looksLikeFalkorData(listing.entries)) {
      return escalate(
        enforced,
        `Latest FalkorDB backup holds no dump.rdb or appendonlydir: ${latest.archive}`,
        'The volume was probably mounted at /data while FalkorDB writes to /var/lib/falkordb/data, so it backs up nothing; see falkordb-data-mount.',
      );
    }
    if (found.sidecar === 'missing') {
      return escalate(enforced, `Latest FalkorDB backup checksum missing: ${latest.archive}.sha256 (archive reads, ${listing.entries.length} entries)`, 'Backups made by autocodex-ops always have one; take a fresh backup.');
    }
    const verified = `Latest FalkorDB backup verified${latest.encrypted ? ' (decrypted)' : ''}: checksum matches, ${listing.entries.length} entries read (${formatBytes(listing.contentBytes)})`;
    if (recipientsSet && !latest.encrypted) return warn(`${verified}; but it is not encrypted although age recipients are configured`, 'The next `autocodex-ops backup falkordb` writes a .tar.gz.age; older plain archives stay until retention removes them.');
    const sameDisk = recipientsSet && age.identityFile ? await onSameDevice(age.identityFile, ctx.config.backupDir) : false;
    if (sameDisk) {
      return warn(
        `${verified}; the age identity ${age.identityFile} is on the same disk as the backups (${ctx.config.backupDir})`,
        'Losing that disk loses the backups and the key together. Keep a copy of the identity off this machine (a password manager, a hardware key, another site); only the public keys need to stay here.',
      );
    }
    return ok(verified);
  },
};

async function onSameDevice(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => stat(dirname(b)).catch(() => undefined))]);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev;
}

/**
 * backup-disk: the next FalkorDB backup's likely size (the newest backup's, else the data volume's,
 * measured by the engine) against the free space where backups go: less than that fails when backups
 * are enforced, less than twice that warns. Every size measured is in the message.
 */
export const backupDiskCheck: Check = {
  id: 'backup-disk',
  group: 'backups',
  title: 'backup disk space',
  requiresGraphiti: true,
  async run(ctx) {
    const dir = ctx.config.backupDir;
    const volume = ctx.config.falkordb.volume;
    const [all, free, volumeBytes] = await Promise.all([
      listBackups(dir),
      ctx.freeBytes(dir),
      ctx
        .docker()
        .then((d) => d.volumeSize(volume))
        .catch(() => undefined),
    ]);
    const folderBytes = all.reduce((sum, b) => sum + b.bytes, 0);
    const sizes = `free ${formatBytes(free)}; ${dir} holds ${all.length} archive(s), ${formatBytes(folderBytes)}; volume ${volume} ${volumeBytes === undefined ? 'size unknown' : formatBytes(volumeBytes)}`;
    const latest = all.find((b) => b.kind === 'falkordb');
    // A compressed backup is rarely larger than the data it holds: without a previous backup the volume's size bounds it.
    const next = latest?.bytes ?? volumeBytes;
    if (next === undefined) return skip(`no FalkorDB backup or measured volume to size the next backup against (${sizes})`);
    const basis = latest ? `the newest backup is ${formatBytes(latest.bytes)}` : `no backup yet; the volume holds ${formatBytes(next)}`;
    const hint = 'Free space or prune old backups (`autocodex-ops backup prune --dry-run`), or point BACKUP_DIR at a larger disk; keep at least twice the next backup free.';
    if (free < next) return escalate(ctx.config.enforce.backups, `Not enough disk space for the next backup: ${sizes}; ${basis}`, hint);
    if (free < 2 * next) return warn(`Low disk space for backups: ${sizes}; ${basis}`, hint);
    return ok(`${sizes}; next backup about ${formatBytes(next)}`);
  },
};
