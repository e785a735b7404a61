/**
 * The app's Graphiti configuration, as auto-codex/integrations/graphiti/config.py reads and judges it
 * (GraphitiConfig.from_env, get_validation_errors; app-rules.md §2). Reproduced rule for rule,
 * messages included, so the healthcheck says what the app will do.
 */

export interface AppGraphitiConfig {
  enabled: boolean;
  llmProvider: string;
  embedderProvider: string;
  ollamaEmbeddingDim: number;
}

type Lookup = (name: string) => string | undefined;

/** pythonInt is int(value) or the fallback when Python's int() would raise (surrounding whitespace, sign and `_` separators allowed). */
export function pythonInt(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const t = value.trim();
  return /^[+-]?\d+(?:_\d+)*$/.test(t) ? Number(t.replace(/_/g, '')) : fallback;
}

/** fromEnv: GRAPHITI_ENABLED is on only for true/1/yes in any case, unstripped; providers default to openai, lowercased, unstripped. */
export function graphitiFromEnv(get: Lookup): AppGraphitiConfig {
  return {
    enabled: ['true', '1', 'yes'].includes((get('GRAPHITI_ENABLED') ?? '').toLowerCase()),
    llmProvider: (get('GRAPHITI_LLM_PROVIDER') ?? 'openai').toLowerCase(),
    embedderProvider: (get('GRAPHITI_EMBEDDER_PROVIDER') ?? 'openai').toLowerCase(),
    ollamaEmbeddingDim: pythonInt(get('OLLAMA_EMBEDDING_DIM'), 0),
  };
}

// Each provider's required values, with the app's provider label; keys are checked for truthiness only.
const LLM: Record<string, [label: string, needs: string[]]> = {
  openai: ['OpenAI', ['OPENAI_API_KEY']],
  anthropic: ['Anthropic', ['ANTHROPIC_API_KEY']],
  azure_openai: ['Azure OpenAI', ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_BASE_URL', 'AZURE_OPENAI_LLM_DEPLOYMENT']],
  ollama: ['Ollama', ['OLLAMA_LLM_MODEL']],
  google: ['Google', ['GOOGLE_API_KEY']],
};
const EMBEDDER: Record<string, [label: string, needs: string[]]> = {
  openai: ['OpenAI', ['OPENAI_API_KEY']],
  voyage: ['Voyage', ['VOYAGE_API_KEY']],
  azure_openai: ['Azure OpenAI', ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_BASE_URL', 'AZURE_OPENAI_EMBEDDING_DEPLOYMENT']],
  ollama: ['Ollama', ['OLLAMA_EMBEDDING_MODEL', 'OLLAMA_EMBEDDING_DIM']],
  google: ['Google', ['GOOGLE_API_KEY']],
};

export const LLM_PROVIDERS = Object.keys(LLM);
export const EMBEDDER_PROVIDERS = Object.keys(EMBEDDER);

/**
 * graphitiValidationErrors is get_validation_errors(): disabled gives only the enabled message; else
 * one message per missing value (the Azure message names the key even for the URL and deployment, as
 * the app's does), or "Unknown … provider". OLLAMA_EMBEDDING_DIM fails only when 0 (a negative passes).
 */
export function graphitiValidationErrors(get: Lookup): string[] {
  const config = graphitiFromEnv(get);
  if (!config.enabled) return ['GRAPHITI_ENABLED must be set to true'];
  const errors: string[] = [];
  const roles = [
    ['LLM', config.llmProvider, LLM],
    ['embedder', config.embedderProvider, EMBEDDER],
  ] as const;
  for (const [role, provider, table] of roles) {
    const rule = table[provider];
    if (!rule) {
      errors.push(`Unknown ${role} provider: ${provider}`);
      continue;
    }
    const [label, needs] = rule;
    for (const name of needs) {
      const missing = name === 'OLLAMA_EMBEDDING_DIM' ? config.ollamaEmbeddingDim === 0 : !get(name);
      // The app's Azure checks all print the API key's name (app-rules.md §2).
      const shown = provider === 'azure_openai' ? 'AZURE_OPENAI_API_KEY' : name;
      if (missing) errors.push(`${label} ${role} provider requires ${shown}`);
    }
  }
  return errors;
}

/** graphitiLaxWarnings: what the app accepts but will not work, reported as our own warnings. */
export function graphitiLaxWarnings(get: Lookup): string[] {
  const config = graphitiFromEnv(get);
  const warnings: string[] = [];
  if (config.enabled && config.embedderProvider === 'ollama' && config.ollamaEmbeddingDim < 0) {
    warnings.push(`OLLAMA_EMBEDDING_DIM is negative (${config.ollamaEmbeddingDim}): the app accepts it, but no embedding model has a negative dimension`);
  }
  const dim = get('OLLAMA_EMBEDDING_DIM');
  if (config.enabled && config.embedderProvider === 'ollama' && dim !== undefined && pythonInt(dim, NaN) !== pythonInt(dim, NaN)) {
    warnings.push('OLLAMA_EMBEDDING_DIM is not a whole number: the app reads it as 0');
  }
  if (config.enabled && config.llmProvider === 'groq') warnings.push('groq is offered by the Desktop UI, but the Python backend does not know it');
  return warnings;
}
