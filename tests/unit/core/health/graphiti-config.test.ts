import { describe, expect, it } from 'vitest';
import { graphitiFromEnv, graphitiValidationErrors, pythonInt } from '../../../../src/core/graphiti/app-config.js';
import { graphitiConfigCheck } from '../../../../src/core/health/checks/graphiti-config.js';
import { fakeHealthContext } from '../../../helpers/health-context.js';

const on = { GRAPHITI_ENABLED: 'true' };
const get = (env: Record<string, string>) => (name: string) => env[name];

describe('GraphitiConfig.from_env', () => {
  it.each([
    ['true', true], ['TRUE', true], ['1', true], ['yes', true], ['Yes', true],
    ['on', false], ['y', false], [' true', false], ['true ', false], ['0', false], ['false', false], ['', false],
  ])('GRAPHITI_ENABLED=%j → enabled %s', (value, enabled) => {
    expect(graphitiFromEnv(get({ GRAPHITI_ENABLED: value })).enabled).toBe(enabled);
  });

  it('defaults and case', () => {
    expect(graphitiFromEnv(get({}))).toEqual({ enabled: false, llmProvider: 'openai', embedderProvider: 'openai', ollamaEmbeddingDim: 0 });
    expect(graphitiFromEnv(get({ GRAPHITI_LLM_PROVIDER: 'OpenAI', GRAPHITI_EMBEDDER_PROVIDER: ' Voyage' }))).toMatchObject({ llmProvider: 'openai', embedderProvider: ' voyage' });
  });

  it.each([
    ['768', 768], [' 768 ', 768], ['+5', 5], ['-3', -3], ['1_024', 1024], ['7.5', 0], ['abc', 0], ['', 0], ['0x10', 0],
  ])('int(%j) → %s (bad → 0)', (value, n) => {
    expect(pythonInt(value, 0)).toBe(n);
  });
});

// One row per rule of get_validation_errors(), with the app's messages.
describe('get_validation_errors', () => {
  it.each([
    ['disabled', {}, ['GRAPHITI_ENABLED must be set to true']],
    ['disabled hides provider errors', { GRAPHITI_ENABLED: 'on', GRAPHITI_LLM_PROVIDER: 'nope' }, ['GRAPHITI_ENABLED must be set to true']],
    ['openai both', on, ['OpenAI LLM provider requires OPENAI_API_KEY', 'OpenAI embedder provider requires OPENAI_API_KEY']],
    ['openai ok', { ...on, OPENAI_API_KEY: 'k' }, []],
    ['anthropic LLM', { ...on, GRAPHITI_LLM_PROVIDER: 'anthropic', OPENAI_API_KEY: 'k' }, ['Anthropic LLM provider requires ANTHROPIC_API_KEY']],
    ['anthropic is LLM-only', { ...on, GRAPHITI_EMBEDDER_PROVIDER: 'anthropic', OPENAI_API_KEY: 'k' }, ['Unknown embedder provider: anthropic']],
    ['voyage embedder', { ...on, GRAPHITI_EMBEDDER_PROVIDER: 'voyage', OPENAI_API_KEY: 'k' }, ['Voyage embedder provider requires VOYAGE_API_KEY']],
    ['voyage is embedder-only', { ...on, GRAPHITI_LLM_PROVIDER: 'voyage', OPENAI_API_KEY: 'k' }, ['Unknown LLM provider: voyage']],
    ['azure LLM, all missing (same text three times)', { ...on, GRAPHITI_LLM_PROVIDER: 'azure_openai', OPENAI_API_KEY: 'k' }, Array(3).fill('Azure OpenAI LLM provider requires AZURE_OPENAI_API_KEY')],
    ['azure LLM, deployment missing', { ...on, GRAPHITI_LLM_PROVIDER: 'azure_openai', AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_BASE_URL: 'u', OPENAI_API_KEY: 'k' }, ['Azure OpenAI LLM provider requires AZURE_OPENAI_API_KEY']],
    ['azure embedder, deployment missing', { ...on, GRAPHITI_EMBEDDER_PROVIDER: 'azure_openai', AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_BASE_URL: 'u', AZURE_OPENAI_LLM_DEPLOYMENT: 'd', OPENAI_API_KEY: 'k' }, ['Azure OpenAI embedder provider requires AZURE_OPENAI_API_KEY']],
    ['azure both ok', { ...on, GRAPHITI_LLM_PROVIDER: 'azure_openai', GRAPHITI_EMBEDDER_PROVIDER: 'AZURE_OPENAI', AZURE_OPENAI_API_KEY: 'k', AZURE_OPENAI_BASE_URL: 'u', AZURE_OPENAI_LLM_DEPLOYMENT: 'd', AZURE_OPENAI_EMBEDDING_DEPLOYMENT: 'e' }, []],
    ['ollama LLM', { ...on, GRAPHITI_LLM_PROVIDER: 'ollama', OPENAI_API_KEY: 'k' }, ['Ollama LLM provider requires OLLAMA_LLM_MODEL']],
    ['ollama embedder, nothing', { ...on, GRAPHITI_EMBEDDER_PROVIDER: 'ollama', OPENAI_API_KEY: 'k' }, ['Ollama embedder provider requires OLLAMA_EMBEDDING_MODEL', 'Ollama embedder provider requires OLLAMA_EMBEDDING_DIM']],
    ['ollama dim 0 fails', { ...on, GRAPHITI_EMBEDDER_PROVIDER: 'ollama', OLLAMA_EMBEDDING_MODEL: 'm', OLLAMA_EMBEDDING_DIM: '0', OPENAI_API_KEY: 'k' }, ['Ollama embedder provider requires OLLAMA_EMBEDDING_DIM']],
    ['ollama bad dim reads as 0', { ...on, GRAPHITI_EMBEDDER_PROVIDER: 'ollama', OLLAMA_EMBEDDING_MODEL: 'm', OLLAMA_EMBEDDING_DIM: 'big', OPENAI_API_KEY: 'k' }, ['Ollama embedder provider requires OLLAMA_EMBEDDING_DIM']],
    ['ollama negative dim passes', { ...on, GRAPHITI_EMBEDDER_PROVIDER: 'ollama', OLLAMA_EMBEDDING_MODEL: 'm', OLLAMA_EMBEDDING_DIM: '-1', OPENAI_API_KEY: 'k' }, []],
    ['google both', { ...on, GRAPHITI_LLM_PROVIDER: 'google', GRAPHITI_EMBEDDER_PROVIDER: 'google' }, ['Google LLM provider requires GOOGLE_API_KEY', 'Google embedder provider requires GOOGLE_API_KEY']],
    ['groq (UI only) is unknown', { ...on, GRAPHITI_LLM_PROVIDER: 'groq', OPENAI_API_KEY: 'k' }, ['Unknown LLM provider: groq']],
    ['provider not stripped', { ...on, GRAPHITI_LLM_PROVIDER: 'openai ', OPENAI_API_KEY: 'k' }, ['Unknown LLM provider: openai ']],
  ])('%s', (_n, env, errors) => {
    expect(graphitiValidationErrors(get(env as Record<string, string>))).toEqual(errors);
  });
});

describe('graphiti-config check', () => {
  it.each([
    ['valid', { ...on, OPENAI_API_KEY: 'k' }, 'ok', /^Graphiti config valid \(LLM openai, embedder openai\)$/],
    ['app reads on as off', { GRAPHITI_ENABLED: 'on', OPENAI_API_KEY: 'k' }, 'fail', /GRAPHITI_ENABLED=on .* the app runs with Graphiti disabled/],
    ['dim 0', { ...on, OPENAI_API_KEY: 'k', GRAPHITI_EMBEDDER_PROVIDER: 'ollama', OLLAMA_EMBEDDING_MODEL: 'm', OLLAMA_EMBEDDING_DIM: '0' }, 'fail', /the app says\): Ollama embedder provider requires OLLAMA_EMBEDDING_DIM$/],
    ['negative dim: our warning', { ...on, OPENAI_API_KEY: 'k', GRAPHITI_EMBEDDER_PROVIDER: 'ollama', OLLAMA_EMBEDDING_MODEL: 'm', OLLAMA_EMBEDDING_DIM: '-768' }, 'warn', /valid for the app .*OLLAMA_EMBEDDING_DIM is negative/],
    ['azure duplicates shown once', { ...on, OPENAI_API_KEY: 'k', GRAPHITI_LLM_PROVIDER: 'azure_openai' }, 'fail', /\): Azure OpenAI LLM provider requires AZURE_OPENAI_API_KEY$/],
  ])('%s', async (_n, env, status, message) => {
    const result = await graphitiConfigCheck.run(fakeHealthContext({ env }));
    expect(result).toMatchObject({ status, message: expect.stringMatching(message) });
  });

  it('reads auto-codex/.env after the environment', async () => {
    const result = await graphitiConfigCheck.run(fakeHealthContext({ env: on, files: { 'auto-codex/.env': 'OPENAI_API_KEY=k\n' } }));
    expect(result.status).toBe('ok');
  });
});
