import { originLabel } from '../../config/resolve.js';
import { OpsError } from '../../errors.js';
import { serverArg } from '../../falkordb/server-args.js';
import { escalate, fail, ok, type Check, type CheckContext, type CheckResult } from '../types.js';
import { requireService } from './docker.js';
import { exposureCheck } from './exposure.js';
import { LAYER_DATA_HINT } from '../../stack/falkor-data.js';

const DEFAULT_DATA_DIR = '/var/lib/falkordb/data';

/** reachable runs a live probe, or returns undefined when FalkorDB cannot be reached (falkordb-live reports why). */
async function reachable<T>(probe: () => Promise<T>): Promise<T | undefined> {
  try {
    return await probe();
  } catch {
    return undefined;
  }
}

/**
 * falkordb-auth: a password configured, --requirepass present, the two equal; and when the server
 * answers, it refuses an unauthenticated PING and accepts the configured password.
 */
export const falkordbAuthCheck: Check = {
  id: 'falkordb-auth',
  group: 'falkordb',
  title: 'FalkorDB auth',
  requiresGraphiti: true,
  async run(ctx) {
    const { password, redisArgs, falkordbArgs } = ctx.config.falkordb;
    const enforced = ctx.config.enforce.falkordbAuth;
    const requirepass = serverArg(redisArgs, falkordbArgs, 'requirepass');
    const problems: CheckResult[] = [];
    const need = enforced ? 'required for production or when AUTO_CODEX_ENFORCE_FALKORDB_AUTH=true' : 'recommended for production';
    const authRequired = await reachable(() => ctx.falkorAuthRequired());
    if (!password) problems.push(escalate(enforced, `GRAPHITI_FALKORDB_PASSWORD not set (${need})`, 'Set GRAPHITI_FALKORDB_PASSWORD in auto-codex/.env or the root .env.'));
    // The UI starts FalkorDB with GRAPHITI_FALKORDB_PASSWORD or FALKORDB_PASSWORD, but the Python backend
    // reads only GRAPHITI_FALKORDB_PASSWORD (app-rules.md §6): with the alias alone it connects without one.
    const { GRAPHITI_FALKORDB_PASSWORD: graphitiPw, FALKORDB_PASSWORD: aliasPw } = ctx.config.values;
    if (graphitiPw.value === undefined && aliasPw.value !== undefined) {
      problems.push(
        escalate(
          ctx.config.production,
          `only FALKORDB_PASSWORD is set (${originLabel(aliasPw.origin)}): the Desktop UI starts FalkorDB with it, but the Python backend reads only GRAPHITI_FALKORDB_PASSWORD and connects without a password`,
          'Set GRAPHITI_FALKORDB_PASSWORD to the same value in auto-codex/.env (the backend loads that file).',
        ),
      );
    }
    if (!requirepass && authRequired !== true) {
      problems.push(escalate(enforced, `REDIS_ARGS/FALKORDB_ARGS missing --requirepass (${need})`, 'Add `--requirepass <password>` to REDIS_ARGS in the root .env and recreate the container. Or run `autocodex-ops harden falkordb`, which rescues the data first; recreate by hand only while `falkordb-data-mount` is ok, else the data in the container is lost.'));
    }
    if (password && requirepass && requirepass.value !== password) {
      problems.push(fail(`--requirepass in ${requirepass.from} differs from GRAPHITI_FALKORDB_PASSWORD`, 'Make them equal; Graphiti connects with GRAPHITI_FALKORDB_PASSWORD.'));
    }
    if (authRequired === false) {
      problems.push(escalate(enforced, 'FalkorDB answers PING without a password: auth is not enforced on the running server', 'Recreate the container with --requirepass in REDIS_ARGS. Or run `autocodex-ops harden falkordb`, which rescues the data first; recreate by hand only while `falkordb-data-mount` is ok, else the data in the container is lost.'));
    }
    if (authRequired === true && password) {
      try {
        await ctx.falkor();
      } catch (err) {
        problems.push(fail(`FalkorDB refuses the configured password: ${(err as Error).message}`, (err as OpsError).hint ?? 'Check GRAPHITI_FALKORDB_PASSWORD against --requirepass.'));
      }
    }
    const worst = problems.find((p) => p.status === 'fail') ?? problems[0];
    if (worst) return { status: worst.status, message: problems.map((p) => p.message).join('; '), hint: problems.map((p) => p.hint).join(' ') };
    const live = authRequired === true ? 'server refuses unauthenticated PING and accepts the password' : 'server not reachable, checked the configuration only';
    return ok(`password set, --requirepass in ${requirepass?.from ?? 'the server config'} matches; ${live}`);
  },
};

export const falkordbAppendonlyCheck: Check = {
  id: 'falkordb-appendonly',
  group: 'falkordb',
  title: 'FalkorDB appendonly',
  requiresGraphiti: true,
  async run(ctx) {
    const hint = 'Add `--appendonly yes` to REDIS_ARGS (the compose default) and recreate the container. Or run `autocodex-ops harden falkordb`, which rescues the data first; recreate by hand only while `falkordb-data-mount` is ok, else the data in the container is lost.';
    const live = await reachable(async () => (await ctx.falkor()).configGet('appendonly'));
    if (live !== undefined) {
      return live === 'yes'
        ? ok('appendonly yes (live server)')
        : escalate(ctx.config.production, `appendonly ${live} on the live server (${ctx.config.production ? 'required for production durability' : 'recommended for durability'})`, hint);
    }
    const { redisArgs, falkordbArgs } = ctx.config.falkordb;
    if (!redisArgs && !falkordbArgs) return ok('REDIS_ARGS/FALKORDB_ARGS not set (the compose file defaults to --appendonly yes)');
    const arg = serverArg(redisArgs, falkordbArgs, 'appendonly');
    if (arg?.value === 'yes') return ok(`--appendonly yes in ${arg.from} (server not reachable)`);
    return escalate(ctx.config.production, `--appendonly yes missing from REDIS_ARGS/FALKORDB_ARGS (${ctx.config.production ? 'required for production durability' : 'recommended for durability'})`, hint);
  },
};

export const falkordbLiveCheck: Check = {
  id: 'falkordb-live',
  group: 'falkordb',
  title: 'FalkorDB live',
  requiresGraphiti: true,
  async run(ctx) {
    const { host, port } = ctx.config.falkordb;
    const falkor = await ctx.falkor();
    const pong = await falkor.ping();
    const persistence = await falkor.info('persistence');
    if (persistence.loading === '1') return fail(`FalkorDB at ${host}:${port} is still loading its dataset`, 'Wait until loading finishes, then run the healthcheck again.');
    return ok(`FalkorDB at ${host}:${port} answered ${pong.reply} in ${pong.rttMs.toFixed(1)} ms`);
  },
};

/** falkordb-data-mount: the data volume is mounted at the server's real data dir (the /data trap, anchors §A.1). */
export const falkordbDataMountCheck: Check = {
  id: 'falkordb-data-mount',
  group: 'falkordb',
  title: 'FalkorDB data mount',
  requiresGraphiti: true,
  async run(ctx: CheckContext) {
    const container = await requireService(ctx, 'falkordb');
    const liveDir = await reachable(async () => (await ctx.falkor()).configGet('dir'));
    const dir = liveDir ?? DEFAULT_DATA_DIR;
    const source = liveDir ? 'CONFIG GET dir' : 'the image default';
    const covering = container.mounts.find((m) => dir === m.destination || dir.startsWith(`${m.destination.replace(/\/$/, '')}/`));
    const fix = LAYER_DATA_HINT;
    if (covering) return ok(`${covering.type} ${covering.name ?? ''} mounted at ${covering.destination}, where the server writes (${dir}, from ${source})`.replace(/\s+/g, ' '));
    const atData = container.mounts.find((m) => m.destination === '/data' || m.destination === '/data/');
    if (atData) {
      return fail(`volume ${atData.name ?? atData.destination} is mounted at /data but the server writes to ${dir}: every backup of that volume is empty`, fix);
    }
    return fail(`no volume is mounted at ${dir} (from ${source}): the data is lost when the container is removed`, fix);
  },
};

/** falkordb-exposure: published ports bound to loopback only; 0.0.0.0 or :: fails in production, warns otherwise. */
export const falkordbExposureCheck: Check = exposureCheck(
  'falkordb-exposure',
  'falkordb',
  'FalkorDB',
  'Bind it to loopback in the compose file: `127.0.0.1:${GRAPHITI_FALKORDB_PORT:-6380}:6379`, then recreate the container. Or run `autocodex-ops harden falkordb`, which rescues the data first; recreate by hand only while `falkordb-data-mount` is ok, else the data in the container is lost.',
);
