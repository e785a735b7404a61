import type { ConfigRow } from '../core/config/describe.js';
import type { OpsConfig } from '../core/config/load.js';

/** renderConfig is `config`: the root, then one line per variable, with its origin when asked. */
export function renderConfig(config: Pick<OpsConfig, 'root' | 'rootOrigin'>, rows: readonly ConfigRow[], showOrigin: boolean): string {
  const width = Math.max(...rows.map((r) => r.name.length));
  const lines = rows.map((r) => {
    const base = `${r.name.padEnd(width)}  ${r.value ?? '(unset)'}`;
    return showOrigin ? `${base}  [${r.origin}]` : base;
  });
  return [`Root: ${config.root} (${config.rootOrigin})`, '', ...lines].join('\n');
}
