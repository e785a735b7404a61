import type { OpsConfig } from '../../config/load.js';
import type { VarName } from '../../config/variables.js';
import { graphitiFromEnv, graphitiLaxWarnings, graphitiValidationErrors } from '../../graphiti/app-config.js';
import { fail, ok, warn, type Check } from '../types.js';

/** lookup reads a variable as the app sees it after load_dotenv: the environment, then auto-codex/.env (and the root .env for shared keys). */
export const lookup = (config: OpsConfig) => (name: string) => config.values[name as VarName]?.value;

/** graphitiConfigErrors is the app's get_validation_errors() for this configuration (duplicates kept, as the app returns them). */
export function graphitiConfigErrors(config: OpsConfig): string[] {
  return graphitiValidationErrors(lookup(config));
}

/**
 * graphiti-config gives GraphitiConfig.is_valid()'s verdict with the app's messages. This check runs
 * when the healthcheck's own gate (GRAPHITI_ENABLED truthy, `on` included) is on; when the app's
 * stricter parser (true/1/yes only) reads the value as off, the app runs without Graphiti: a failure.
 */
export const graphitiConfigCheck: Check = {
  id: 'graphiti-config',
  group: 'graphiti',
  title: 'Graphiti config',
  requiresGraphiti: true,
  async run(ctx) {
    const get = lookup(ctx.config);
    const app = graphitiFromEnv(get);
    const hint = 'Set the missing values in auto-codex/.env or the environment (see auto-codex/.env.example).';
    if (!app.enabled) {
      return fail(
        `GRAPHITI_ENABLED=${get('GRAPHITI_ENABLED')} turns the memory checks on here, but the app accepts only true, 1 or yes (unstripped): the app runs with Graphiti disabled ("GRAPHITI_ENABLED must be set to true")`,
        'Set GRAPHITI_ENABLED=true in auto-codex/.env or the environment.',
      );
    }
    const errors = [...new Set(graphitiConfigErrors(ctx.config))];
    const lax = graphitiLaxWarnings(get);
    if (errors.length) return fail(`Graphiti config invalid (the app says): ${errors.join('; ')}${lax.length ? `; also: ${lax.join('; ')}` : ''}`, hint);
    const providers = `LLM ${app.llmProvider}, embedder ${app.embedderProvider}`;
    if (lax.length) return warn(`Graphiti config valid for the app (${providers}), but: ${lax.join('; ')}`, 'Fix the values named above in auto-codex/.env or the environment (OLLAMA_EMBEDDING_DIM: the embedding model\'s dimension, e.g. 768 for nomic-embed-text).');
    return ok(`Graphiti config valid (${providers})`);
  },
};
