// Environment variables of the two services whose values say how things are set up and hold no
// secret; every other value is masked in the bundle (issue 18). Names only, exact match.
const HARMLESS = new Set([
  'PATH', 'HOME', 'HOSTNAME', 'LANG', 'LANGUAGE', 'LC_ALL', 'TZ', 'TERM', 'USER',
  'PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE', 'PYTHON_VERSION', 'PYTHONPATH', 'NODE_ENV', 'NODE_VERSION', 'LOG_LEVEL',
  'REDIS_VERSION', 'GOSU_VERSION', 'MODULE_DIR', 'LD_LIBRARY_PATH',
  'FALKORDB_HOME', 'FALKORDB_DATA_PATH', 'FALKORDB_BIN_PATH', 'FALKORDB_IMPORT_PATH', 'FALKORDB_BROWSER_PATH', 'BROWSER',
  'GRAPHITI_ENABLED', 'GRAPHITI_LLM_PROVIDER', 'GRAPHITI_EMBEDDER_PROVIDER', 'GRAPHITI_DATABASE',
  'GRAPHITI_FALKORDB_HOST', 'GRAPHITI_FALKORDB_PORT', 'FALKORDB_HOST', 'FALKORDB_PORT', 'GRAPHITI_MCP_PORT', 'PORT',
  'MODEL_NAME', 'SMALL_MODEL_NAME', 'EMBEDDER_MODEL_NAME', 'SEMAPHORE_LIMIT', 'MCP_SERVER_HOST', 'MCP_TRANSPORT',
]);

/** isHarmlessEnv tells whether a container variable's value may appear in the bundle. */
export function isHarmlessEnv(name: string): boolean {
  return HARMLESS.has(name);
}

/**
 * maskEnvList masks Docker's `KEY=value` list: harmless names keep their value, all others become
 * `KEY=***`. `onSecret` receives each masked value, so the bundle can scrub it from logs too.
 */
export function maskEnvList(list: unknown, onSecret: (value: string) => void): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((entry) => {
    const text = String(entry);
    const eq = text.indexOf('=');
    const [name, value] = eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)];
    if (isHarmlessEnv(name)) return text;
    onSecret(value);
    return `${name}=***`;
  });
}
