import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { journalPlace, useCaseDeps, type App } from '../app.js';
import { HARDEN_FALKORDB } from '../cli-options.js';
import { loadRecipients } from '../core/crypto/key-files.js';
import { archiveKey, backupEncryption, safetyEncryption } from './age-options.js';
import { consentFor, type Ask } from '../consent.js';
import { createContext, type CommandContext } from '../context.js';
import type { OpsConfig } from '../core/config/load.js';
import { DeclinedError, UsageError } from '../core/errors.js';
import { findPreHarden, findPreHardenImages, removePreHarden, removePreHardenImages } from '../core/harden/cleanup.js';
import { isKeptContainer, isKeptImage, keptPath, readKept } from '../core/harden/kept.js';
import { runHardenFalkordb } from '../core/harden/run-harden.js';
import { falkorTargetFrom } from '../core/stack/falkor-target.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderHardenPlan, renderHardenResult } from '../output/harden.js';

const schema = schemaOf(HARDEN_FALKORDB);

const HELP = `
For installs hit by the /data trap: the compose file or the Desktop UI mounted the volume at /data,
where current FalkorDB images do not write, so the data lives in the container's writable layer
and is lost when the container is recreated. Do not run \`docker-compose down\` or \`docker rm\`
before this.

1. rescue: BGSAVE (AOF rewrites held off), then the server's data dir (CONFIG GET dir) read from
   inside the container into a verified falkordb_data_<UTC>.tar.gz; its key count must match the
   live server, else nothing else happens (exit 1).
2. a container the Desktop UI started: stopped and renamed <name>-pre-harden-<UTC> (the way back),
   GRAPHITI_FALKORDB_PASSWORD written to the root .env and auto-codex/.env (.bak beside each), the
   backup put into the volume, the container created again as the UI would, with the volume at
   /var/lib/falkordb/data, --appendonly yes and --requirepass in REDIS_ARGS, the port on 127.0.0.1
   and the running image pinned; started and checked (key count, graphs, auth, AOF, data dir).
   A compose-managed container: stopped and committed as an image (compose removes the container
   itself), the compose file edited (volume line, 127.0.0.1 port, pinned image; .bak), REDIS_ARGS
   or FALKORDB_ARGS and the password in the .env files, \`up -d\` with compose, the backup put into
   the volume, checked as above. A compose file it cannot edit safely: the rescue and the steps.
Before anything changes, a volume that holds more than the image's own few bytes (an older
FalkorDB may have written a graph to /data) is archived as a verified falkordb_pre_restore_<UTC>
archive in PRE_RESTORE_BACKUP_DIR; any undo puts that content back into the volume.
--cleanup removes the stopped pre-harden containers and the pre-harden images (only those harden
made, by name and label; an image a container still uses is kept and named). What a run with
--keep-old kept is recorded (.autocodex-ops/harden-kept.json) and --cleanup leaves it, naming it.
Any failure or Ctrl-C after the rename: the old container runs again and the files are back
(exit 1 or 130). A run that was killed is undone by the next. Already hardened: exit 0.

Examples:
  autocodex-ops harden falkordb --dry-run
  autocodex-ops harden falkordb --generate-password --yes
  autocodex-ops harden --cleanup --yes        # the pre-harden containers and images, once the app works`;

/**
 * cleanup removes what harden kept as the way back (`harden falkordb --cleanup`, `harden --cleanup`),
 * after the plan and consent: the stopped pre-harden containers and the pre-harden images no
 * container uses; an image still in use is named and kept.
 */
async function cleanup(app: App, ctx: CommandContext, config: OpsConfig, options: { dryRun: boolean }, ask: Ask): Promise<void> {
  const docker = await app.docker();
  // What a --keep-old run kept stays: named, with the command that removes it by hand.
  const record = await readKept(keptPath(config.root));
  const allFound = await findPreHarden(docker, config.falkordb.containerName, ctx.signal);
  const allImages = await findPreHardenImages(docker, { name: config.falkordb.containerName, project: config.composeProject }, ctx.signal);
  const found = allFound.filter((c) => !isKeptContainer(record, c.id));
  const images = allImages.filter((i) => !isKeptImage(record, i));
  const keptOld = [
    ...allFound.filter((c) => isKeptContainer(record, c.id)).map((c) => ({ container: c.name, removeByHand: `docker rm ${c.name}` })),
    ...allImages.filter((i) => isKeptImage(record, i)).map((i) => ({ image: i.ref, removeByHand: `docker rmi ${i.ref}` })),
  ];
  const free = images.filter((i) => i.usedBy.length === 0);
  const kept = images.filter((i) => i.usedBy.length > 0).map((i) => ({ image: i.ref, usedBy: i.usedBy }));
  const keptLines = [
    ...kept.map((k) => `Kept the image ${k.image}: container ${k.usedBy.join(', ')} uses it (it runs the old FalkorDB; remove that container first if it is no longer needed).`),
    ...keptOld.map((k) => `Kept ${'container' in k ? `the container ${k.container}` : `the image ${k.image}`}: harden falkordb --keep-old kept it (${keptPath(config.root)}); to remove it by hand: ${k.removeByHand}`),
  ];
  const names = { containers: found.map((c) => c.name), images: free.map((i) => i.ref) };
  if (found.length === 0 && free.length === 0) {
    ctx.printer.result({ removed: [], removedImages: [], kept, keptOld }, () => ['Nothing of an earlier harden run to remove (no stopped pre-harden container, no unused pre-harden image).', ...keptLines].join('\n'));
    return;
  }
  const plan = [
    'Remove the way back to the unhardened FalkorDB (do this only once the app works with the new server):',
    ...names.containers.map((n) => `  - stopped container ${n}`),
    ...names.images.map((n) => `  - image ${n} (the old container committed, its data included)`),
  ].join('\n');
  if (options.dryRun) {
    ctx.printer.result({ removed: [], removedImages: [], wouldRemove: names.containers, wouldRemoveImages: names.images, kept, keptOld }, () => [plan, ...keptLines, 'Dry run: nothing was changed.'].join('\n'));
    return;
  }
  if (!(await ask(plan))) throw new DeclinedError();
  await removePreHarden(docker, found);
  await removePreHardenImages(docker, free, ctx.signal);
  ctx.audit.touch({ removed: names.containers, removedImages: names.images });
  ctx.printer.result({ removed: names.containers, removedImages: names.images, kept, keptOld }, () => [`Removed ${[...names.containers.map((n) => `container ${n}`), ...names.images.map((n) => `image ${n}`)].join(', ')}.`, ...keptLines].join('\n'));
}

/** hardenFalkordbCommand rescues data caught by the /data trap and recreates FalkorDB hardened, keeping the old container as the way back. */
function hardenFalkordbCommand(app: App): Command {
  const cmd = new Command('falkordb')
    .description("rescue FalkorDB data written into the container's layer (the /data trap) into a verified backup, then recreate the container with the volume at the right path, auth, AOF and loopback ports")
    .addHelpText('after', HELP);
  return addOptions(cmd, HARDEN_FALKORDB).action(async (raw: unknown, command: Command) => {
    // `--cleanup` after `falkordb` is parsed by the parent command (see hardenCommand).
    const options = { ...schema.parse(raw), cleanup: Boolean((command.optsWithGlobals() as { cleanup?: boolean }).cleanup) };
    if (options.passwordFromEnv && options.generatePassword) throw new UsageError('Give --password-from-env or --generate-password, not both.');
    const ctx = createContext(command.optsWithGlobals(), app, 'harden');
    const ask = consentFor(options.cleanup ? 'remove the pre-harden containers' : 'harden FalkorDB', options, ctx.runtime, (text) => ctx.log.info(text));
    const config = await ctx.config(flagOverrides(HARDEN_FALKORDB, options));
    if (options.cleanup) return cleanup(app, ctx, config, options, ask);
    const envPassword = ctx.runtime.env.GRAPHITI_FALKORDB_PASSWORD;
    if (options.passwordFromEnv && !envPassword) throw new UsageError('--password-from-env: GRAPHITI_FALKORDB_PASSWORD is not set in the environment.');
    const target = falkorTargetFrom(config);
    // An age setup (issue 21): the rescue is encrypted like every backup, to the configured recipients
    // and the identity's own key, which harden needs to put it into the new volume.
    const key = await archiveKey(ctx, config);
    const encryption = (await loadRecipients(config.age)) ? ((await safetyEncryption(config, key, '')) ?? (await backupEncryption(ctx, config, { passphrase: false }))) : undefined;
    const base = { ...useCaseDeps(ctx, config, 'harden'), ...(encryption ? { encryption } : {}), ...(key ? { archiveKey: key } : {}) };
    const result = await runHardenFalkordb(
      {
        root: config.root,
        dryRun: options.dryRun,
        keepOld: options.keepOld,
        password: options.generatePassword ? { source: 'generate' } : options.passwordFromEnv ? { source: 'env', value: envPassword } : { source: 'existing', value: config.falkordb.password },
        outputDir: config.backupDir,
        preRestoreDir: config.preRestoreBackupDir,
        healthTimeoutSecs: config.restoreHealthTimeoutSecs,
        saveTimeoutSecs: options.saveTimeout,
        stopGraceSeconds: target.stopGraceSeconds,
        locator: config,
        server: target.server,
        args: { redisArgs: config.falkordb.redisArgs, falkordbArgs: config.falkordb.falkordbArgs },
        configuredVolume: config.falkordb.volume,
        journals: journalPlace(ctx, config),
      },
      {
        ...base,
        docker: () => app.docker(),
        connect: (o) => app.connectFalkor(o),
        probeAuth: async (o) => (await import('../core/falkordb/falkordb.js')).probeAuthRequired({ ...o, password: undefined }),
        confirm: (plan) => ask(renderHardenPlan(plan)),
        generatePassword: () => randomBytes(24).toString('base64url'),
        addSecret: (v) => app.redactor.addSecret(v),
        error: (m) => ctx.log.error(m),
        compose: async (project) => {
          const [{ createExec }, { prepareCompose }] = await Promise.all([import('../core/exec/exec.js'), import('../core/rollback/compose-runner.js')]);
          const runner = await prepareCompose(createExec(), { root: config.root, project, files: [], signal: ctx.signal });
          return {
            describe: runner.describe,
            up: async (service) => {
              ctx.log.info(`Running ${runner.describe}: up -d ${service}.`);
              await runner.up([service], {}, { signal: ctx.signal, timeoutMs: config.restoreHealthTimeoutSecs * 1000 + 120_000 });
            },
          };
        },
      },
    );
    ctx.audit.touch({ status: result.status, rescuedBackup: result.rescuedBackup, keys: result.keys, oldContainer: result.oldContainer, oldImage: result.oldImage });
    const { plan: _plan, ...shown } = result;
    if (!ctx.globals.quiet || ctx.globals.json) ctx.printer.result(result.status === 'dry-run' ? result : shown, () => renderHardenResult(result));
  });
}

const PARENT_OPTIONS = { cleanup: HARDEN_FALKORDB.cleanup };
const parentSchema = schemaOf(PARENT_OPTIONS);

/**
 * hardenCommand groups the hardening runbook's steps: `harden falkordb`, and `harden --cleanup`
 * (CONTRACT). Commander hands a parent every option it knows, wherever it stands, so the parent
 * knows only --cleanup; its --yes/--dry-run are read from what it passes on, and `harden falkordb
 * --cleanup` reaches the subcommand through optsWithGlobals.
 */
export function hardenCommand(app: App): Command {
  const cmd = new Command('harden')
    .description("rescue and harden FalkorDB: data out of the container's layer into a volume at the right path, auth, AOF, loopback")
    .allowUnknownOption()
    .allowExcessArguments()
    .addCommand(hardenFalkordbCommand(app));
  return addOptions(cmd, PARENT_OPTIONS).action(async (raw: unknown, command: Command) => {
    const options = parentSchema.parse(raw);
    const rest = command.args;
    const unknown = rest.filter((a) => !['-y', '--yes', '--dry-run'].includes(a));
    if (unknown.length > 0) throw new UsageError(`Unknown option or argument for harden: ${unknown.join(' ')}.`, { hint: 'autocodex-ops harden falkordb --help' });
    if (!options.cleanup) throw new UsageError('Missing subcommand: harden falkordb, or harden --cleanup.', { hint: 'autocodex-ops harden falkordb --dry-run' });
    const flags = { yes: rest.includes('-y') || rest.includes('--yes'), dryRun: rest.includes('--dry-run') };
    const ctx = createContext(command.optsWithGlobals(), app, 'harden');
    const ask = consentFor('remove the pre-harden containers', flags, ctx.runtime, (text) => ctx.log.info(text));
    await cleanup(app, ctx, await ctx.config(), flags, ask);
  });
}
