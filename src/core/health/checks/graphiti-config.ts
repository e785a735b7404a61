import type { OpsConfig } from '../../config/load.js';
import type { VarName } from '../../config/variables.js';
import { fail, ok, type Check } from '../types.js';

// validate_graphiti_config(): the credentials each provider needs (original-scripts.md §1, check 9).
const LLM: Record<string, VarName[]> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  azure_openai: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_BASE_URL', 'AZURE_OPENAI_LLM_DEPLOYMENT'],
  ollama: ['OLLAMA_LLM_MODEL'],
  google: ['GOOGLE_API_KEY'],
};
const EMBEDDER: Record<string, VarName[]> = {
  openai: ['OPENAI_API_KEY'],
  voyage: ['VOYAGE_API_KEY'],
  azure_openai: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_BASE_URL', 'AZURE_OPENAI_EMBEDDING_DEPLOYMENT'],
  ollama: ['OLLAMA_EMBEDDING_MODEL', 'OLLAMA_EMBEDDING_DIM'],
  google: ['GOOGLE_API_KEY'],
};

/** graphitiConfigErrors lists every missing credential or unknown provider, as the app's validator does. */
export function graphitiConfigErrors(config: OpsConfig): string[] {
  const errors: string[] = [];
  const value = (name: VarName) => config.values[name].value;
  const roles = [
    ['LLM', 'GRAPHITI_LLM_PROVIDER', LLM],
    ['embedder', 'GRAPHITI_EMBEDDER_PROVIDER', EMBEDDER],
  ] as const;
  for (const [role, variable, table] of roles) {
    const provider = (value(variable) ?? 'openai').trim().toLowerCase();
    const needs = table[provider];
    if (!needs) {
      errors.push(`unknown ${role} provider '${provider}' (${variable}; use ${Object.keys(table).join(', ')})`);
      continue;
    }
    for (const name of needs) if (!value(name)) errors.push(`${provider} ${role} provider requires ${name}`);
  }
  const dim = value('OLLAMA_EMBEDDING_DIM');
  if (dim !== undefined && !/^\d+$/.test(dim.trim())) errors.push('OLLAMA_EMBEDDING_DIM must be a whole number');
  return errors;
}

export const graphitiConfigCheck: Check = {
  id: 'graphiti-config',
  group: 'graphiti',
  title: 'Graphiti config',
  requiresGraphiti: true,
  async run(ctx) {
    const errors = graphitiConfigErrors(ctx.config);
    if (errors.length === 0) {
      const v = ctx.config.values;
      return ok(`Graphiti config valid (LLM ${v.GRAPHITI_LLM_PROVIDER.value ?? 'openai'}, embedder ${v.GRAPHITI_EMBEDDER_PROVIDER.value ?? 'openai'})`);
    }
    return fail(`Graphiti config invalid: ${errors.join('; ')}`, 'Set the missing values in auto-codex/.env or the environment (see auto-codex/.env.example).');
  },
};
