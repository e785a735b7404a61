import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { CommandContext, GlobalOptions } from '../context.js';
import type { BackupResult } from '../core/backups/backup-result.js';
import type { OpsConfig } from '../core/config/load.js';
import { OpsError, UsageError } from '../core/errors.js';
import { privateLockDir } from '../core/run/lock-dir.js';
import { offsiteConfigFrom, type OffsiteConfig } from '../core/offsite/config.js';
import { findCredentialSource, type CredentialSource } from '../core/offsite/credentials.js';
import { OffsiteFailure, pushArchives, type PushDeps, type PushResult } from '../core/offsite/push.js';
import type { ObjectStore } from '../core/offsite/store.js';
import { kindPrefix, parseRemoteArchiveName } from '../core/offsite/remote-keys.js';
import { describeLocation } from '../core/offsite/s3-url.js';
import type { OffsiteNewest } from '../core/health/types.js';
import { renderBackup } from '../output/backup.js';
import { createProgressLine } from '../output/progress.js';

/** An opened offsite configuration: the settings, where the credentials come from, and a store factory. */
export interface Offsite {
  config: OffsiteConfig;
  credentials: CredentialSource;
  /** The configured bucket, or another one (restore from an s3:// URL naming a different bucket). */
  store(bucket?: string): Promise<ObjectStore>;
}

/**
 * prefixLockDir is the machine-wide folder of the S3 prefix locks (CONTRACT second wave: locks
 * keyed by what they protect, so runs from different roots exclude each other): per user, under
 * XDG_RUNTIME_DIR or the temp folder.
 */
export function prefixLockDir(env: Record<string, string | undefined>): string {
  const fallback = join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'autocodex-ops', 'prefix-locks');
  return privateLockDir(env.XDG_RUNTIME_DIR || tmpdir(), process.geteuid?.() ?? 0, fallback);
}

/** openOffsite reads the offsite settings; undefined when AUTOCODEX_OPS_S3_URL is unset. The AWS secrets are registered for redaction first. */
export async function openOffsite(ctx: CommandContext, config: OpsConfig): Promise<Offsite | undefined> {
  const env = ctx.runtime.env;
  ctx.app.redactor.addSecret(env.AWS_SECRET_ACCESS_KEY);
  ctx.app.redactor.addSecret(env.AWS_SESSION_TOKEN);
  const offsite = offsiteConfigFrom(config.values, env);
  if (!offsite) return undefined;
  const credentials = await findCredentialSource(env, ctx.runtime.home);
  return {
    config: offsite,
    credentials,
    store: async (bucket) => {
      const { createS3Store } = await import('../core/offsite/s3-store.js');
      return createS3Store({ bucket: bucket ?? offsite.location.bucket, endpoint: offsite.endpoint, region: offsite.region, pathStyle: offsite.pathStyle, timeoutSecs: offsite.timeoutSecs, credentials });
    },
  };
}

/** requireOffsite is openOffsite for the commands that only make sense with a store: unset is exit 2 with the fix. */
export async function requireOffsite(ctx: CommandContext, config: OpsConfig): Promise<Offsite> {
  const offsite = await openOffsite(ctx, config);
  if (!offsite) {
    throw new UsageError('No offsite store is configured.', {
      hint: 'Set AUTOCODEX_OPS_S3_URL=s3://bucket[/prefix] (and AUTOCODEX_OPS_S3_ENDPOINT, AUTOCODEX_OPS_S3_PATH_STYLE for non-AWS stores); credentials come from the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws).',
    });
  }
  return offsite;
}

/** pushDeps wires a push: the progress line on a TTY only, never with --json or --quiet. */
export async function pushDeps(ctx: CommandContext, globals: GlobalOptions, offsite: Offsite, command: string, waitSeconds = 0): Promise<PushDeps> {
  const showProgress = Boolean(ctx.runtime.stderr.isTTY) && !globals.json && !globals.quiet;
  const progress = showProgress ? createProgressLine(ctx.runtime.stderr, '[push]') : undefined;
  let current: string | undefined;
  return {
    store: await offsite.store(),
    location: offsite.config.location,
    lockDir: prefixLockDir(ctx.runtime.env),
    command,
    ...(offsite.config.retain ? { retain: offsite.config.retain } : {}),
    requireEncryption: offsite.config.requireEncryption,
    waitSeconds,
    log: { info: (m) => ctx.log.info(m), warn: (m) => ctx.log.warn(m) },
    signal: ctx.signal,
    ...(progress
      ? {
          onProgress: (archive: string, sent: number, total: number) => {
            if (current !== archive) {
              if (current) progress.stop();
              progress.start(total);
              current = archive;
            }
            progress.update(sent);
            if (sent >= total) {
              progress.stop();
              current = undefined;
            }
          },
        }
      : {}),
  };
}

/** renderPush is the human summary of a push. */
export function renderPush(result: PushResult): string {
  if (result.pushed.length === 0) return `Nothing to push to ${result.location}.`;
  const lines = result.pushed.map((p) => `${p.status === 'uploaded' ? 'Uploaded' : 'Already there'}: ${p.url} (${p.bytes} bytes, sha256 ${p.sha256.slice(0, 12)}…${p.retainUntil ? `, locked until ${p.retainUntil}` : ''})`);
  if (result.abortedUploads.length > 0) lines.push(`Aborted ${result.abortedUploads.length} unfinished upload(s) left by an earlier run.`);
  return lines.join('\n');
}

/**
 * offsiteAfterBackup pushes a fresh local backup when `--offsite` or AUTOCODEX_OPS_OFFSITE=always
 * asks for it. A failed push never touches the local backup: the result says so, the audit record
 * says "local ok, offsite failed", and the returned error (exit 1) is for the caller to throw
 * after printing the result. Without a store configured, --offsite is exit 2 before the backup runs
 * (see offsiteWanted).
 */
export async function offsiteAfterBackup(ctx: CommandContext, globals: GlobalOptions, offsite: Offsite, result: BackupResult): Promise<{ result: BackupResult & { offsite: Record<string, unknown> }; failure?: OffsiteFailure }> {
  try {
    const pushed = await pushArchives([result.archive], await pushDeps(ctx, globals, offsite, 'backup --offsite'));
    const p = pushed.pushed[0]!;
    ctx.audit.touch({ offsite: 'ok', offsiteUrl: p.url });
    return { result: { ...result, offsite: { ok: true, url: p.url, status: p.status, ...(p.retainUntil ? { retainUntil: p.retainUntil } : {}) } } };
  } catch (err) {
    if (!(err instanceof OpsError) || err.exitCode === 130) throw err;
    const failure = new OffsiteFailure(result.archive, err);
    // An error message is prose, not a result: scrubbed of every known secret before it is recorded.
    ctx.audit.touch({ offsite: 'local ok, offsite failed', offsiteError: ctx.app.redactor.text(err.message) });
    return { result: { ...result, offsite: { ok: false, error: err.message, ...(err.hint ? { hint: err.hint } : {}) } }, failure };
  }
}

/** offsiteWanted decides before the backup starts: --offsite or AUTOCODEX_OPS_OFFSITE=always, and a configured store (else exit 2). */
export async function offsiteWanted(ctx: CommandContext, config: OpsConfig, flag: boolean): Promise<Offsite | undefined> {
  if (flag) return requireOffsite(ctx, config);
  const offsite = await openOffsite(ctx, config);
  return offsite?.config.always ? offsite : undefined;
}

/** offsiteNewest feeds the offsite-freshness check: one listing of the prefix, the newest complete copy per kind. */
export async function offsiteNewest(ctx: CommandContext, config: OpsConfig): Promise<OffsiteNewest | undefined> {
  const offsite = await openOffsite(ctx, config);
  if (!offsite) return undefined;
  const store = await offsite.store();
  const objects = await store.list(kindPrefix(offsite.config.location), ctx.signal);
  const keys = new Set(objects.map((o) => o.key));
  const newest = new Map<string, { kind: string; name: string; at: Date }>();
  for (const o of objects) {
    const name = basename(o.key);
    const parsed = parseRemoteArchiveName(name);
    if (!parsed || !keys.has(`${o.key}.sha256`)) continue;
    const seen = newest.get(parsed.kind);
    if (!seen || parsed.stampedAt > seen.at) newest.set(parsed.kind, { kind: parsed.kind, name, at: parsed.stampedAt });
  }
  return { location: describeLocation(offsite.config.location), newest: [...newest.values()] };
}

/**
 * finishBackup records and prints a backup's result and, when an offsite copy was asked for,
 * pushes it first: a failed push ("local ok, offsite failed") is printed with the result, then
 * thrown (exit 1).
 */
export async function finishBackup(ctx: CommandContext, offsite: Offsite | undefined, result: BackupResult): Promise<void> {
  const done = offsite ? await offsiteAfterBackup(ctx, ctx.globals, offsite, result) : { result, failure: undefined };
  const shown: BackupResult & { offsite?: Record<string, unknown> } = done.result;
  // The audit record, the notification and the metrics file all read these.
  ctx.audit.touch({
    kind: shown.kind,
    archive: shown.archive,
    sha256: shown.sha256,
    bytes: shown.bytes,
    ...(shown.mode ? { mode: shown.mode } : {}),
    encrypted: shown.encrypted,
    // Every file retention removed, with why (issue 23 §6), and the future-dated backups it kept.
    pruned: shown.prunedReasons ?? [],
    ...(shown.futureDated ? { futureDated: shown.futureDated } : {}),
    ...(shown.warnings.length > 0 ? { warnings: shown.warnings } : {}),
  });
  if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(shown, () => renderBackup(shown));
  if (done.failure) throw done.failure;
}
