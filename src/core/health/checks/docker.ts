import { detectCompose, detectComposeFast } from '../../docker/compose.js';
import { imageTag, isImageTag } from '../../stack/image-tags.js';
import { escalate, fail, ok, SkipCheck, warn, type Check, type CheckContext, type ServiceInfo } from '../types.js';

export const dockerCheck: Check = {
  id: 'docker',
  group: 'docker',
  title: 'Docker engine',
  requiresGraphiti: true,
  async run(ctx) {
    const docker = await ctx.docker();
    const v = await docker.version();
    return ok(`Docker engine ${v.version} (API ${v.apiVersion}) at ${docker.endpoint}`);
  },
};

export const composeCheck: Check = {
  id: 'compose',
  group: 'docker',
  title: 'Docker Compose',
  requiresGraphiti: true,
  async run(ctx) {
    const options = { exec: ctx.exec, signal: ctx.signal, timeoutMs: 4000 };
    const found = await (ctx.env ? detectComposeFast({ ...options, env: ctx.env }) : detectCompose(options));
    if (!found) return fail('docker compose/docker-compose not found', 'Install the Docker Compose v2 plugin (or docker-compose v1).');
    return ok(`compose command: ${found.command.join(' ')} ${found.version}`);
  },
};

async function runningService(ctx: CheckContext, service: 'falkordb' | 'graphiti-mcp'): Promise<ServiceInfo | undefined> {
  try {
    const found = await (await ctx.docker()).findService(service);
    return found?.running ? found : undefined;
  } catch {
    return undefined;
  }
}

/** image-tags: both tags set, valid and not `latest`; running containers use the configured tags. */
export const imageTagsCheck: Check = {
  id: 'image-tags',
  group: 'docker',
  title: 'image tags',
  requiresGraphiti: true,
  async run(ctx) {
    const problems: string[] = [];
    const facts: string[] = [];
    const pairs = [
      ['FALKORDB_IMAGE_TAG', ctx.config.falkordb.imageTag, 'falkordb'],
      ['GRAPHITI_MCP_IMAGE_TAG', ctx.config.graphitiMcp.imageTag, 'graphiti-mcp'],
    ] as const;
    const drift: string[] = [];
    // Both services are looked up at once: the engine answers each in a list and an inspect call.
    const services = await Promise.all(pairs.map(([, , service]) => runningService(ctx, service)));
    for (const [i, [name, tag]] of pairs.entries()) {
      if (!tag) problems.push(`${name} not set (required for production)`);
      else if (tag === 'latest') problems.push(`${name}=latest is not a pinned tag`);
      else if (!isImageTag(tag)) problems.push(`${name}=${tag} is not a valid image tag`);
      const running = services[i];
      if (running && tag) {
        const actual = imageTag(running.image);
        if (actual !== undefined && actual !== tag) drift.push(`${running.name} runs ${running.image}, configured ${name}=${tag}`);
        else facts.push(`${running.name} runs ${running.image}`);
      }
    }
    const hint = 'Pin both tags in the root .env (e.g. FALKORDB_IMAGE_TAG=v4.2.1), never latest, then `docker compose up -d`.';
    if (problems.length) return fail(problems.concat(drift).join('; '), hint);
    if (drift.length) return escalate(ctx.config.production, `running image differs from the configured tag: ${drift.join('; ')}`, 'Recreate the services (`docker compose up -d`) or fix the tag in the root .env.');
    return ok(`FALKORDB_IMAGE_TAG=${ctx.config.falkordb.imageTag}, GRAPHITI_MCP_IMAGE_TAG=${ctx.config.graphitiMcp.imageTag}${facts.length ? `; ${facts.join(', ')}` : ''}`);
  },
};

/** requireService returns the running service container or ends the check as skipped, saying why. */
export async function requireService(ctx: CheckContext, service: 'falkordb' | 'graphiti-mcp'): Promise<ServiceInfo> {
  let docker;
  try {
    docker = await ctx.docker();
  } catch {
    throw new SkipCheck('Docker engine unavailable (see docker)');
  }
  const found = await docker.findService(service);
  const name = service === 'falkordb' ? ctx.config.falkordb.containerName : ctx.config.graphitiMcp.containerName;
  if (!found) throw new SkipCheck(`no ${service} container (compose project ${ctx.config.composeProject} or name ${name})`);
  return found;
}

/**
 * containers-health: each service's Docker health state (runbook: "`docker-compose ps` should show
 * healthy"). Unhealthy fails; starting, no healthcheck, stopped or absent warn (falkordb-live and
 * graphiti-mcp-live say whether the service answers).
 */
export const containersHealthCheck: Check = {
  id: 'containers-health',
  group: 'docker',
  title: 'containers health',
  requiresGraphiti: true,
  async run(ctx) {
    let docker;
    try {
      docker = await ctx.docker();
    } catch {
      throw new SkipCheck('Docker engine unavailable (see docker)');
    }
    const services = ['falkordb', 'graphiti-mcp'] as const;
    const found = await Promise.all(services.map((s) => docker.findService(s)));
    const states = services.map((service, i) => {
      const c = found[i];
      const state = !c ? 'no container' : !c.running ? 'not running' : c.health === 'none' ? 'no healthcheck' : c.health;
      return { service, name: c?.name ?? service, state };
    });
    const text = states.map((s) => `${s.name} ${s.state}`).join(', ');
    if (states.some((s) => s.state === 'unhealthy')) {
      return fail(text, 'See why with `docker inspect --format "{{json .State.Health}}" <container>` and `docker logs <container>`; fix, then `docker compose up -d`.');
    }
    if (states.every((s) => s.state === 'healthy')) return ok(text);
    return warn(
      text,
      'Start the stack with `docker compose up -d` and wait for healthy; a container without a healthcheck was not created from the project\'s compose file.',
    );
  },
};
