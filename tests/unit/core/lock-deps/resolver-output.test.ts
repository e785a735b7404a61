import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_ERROR_LINES, trimResolverOutput } from '../../../../src/core/lock-deps/resolver-output.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../../fixtures/lock-deps', name), 'utf8');

describe('trimResolverOutput', () => {
  it("keeps pip's ERROR line and the conflict's cause, drops progress and advice", () => {
    expect(trimResolverOutput(fixture('pip-conflict.stdout'), fixture('pip-conflict.stderr'))).toBe(
      [
        'ERROR: Cannot install -r auto-codex/requirements.txt (line 1) and gamma==2.0 because these package versions have conflicting dependencies.',
        'The conflict is caused by:',
        '    The user requested gamma==2.0',
        '    alpha 1.5 depends on gamma<2 and >=1.0',
      ].join('\n'),
    );
  });

  it("keeps uv's explanation tree whole", () => {
    const stderr = `Resolved 3 packages in 12ms\n${fixture('uv-conflict.stderr')}`;
    const trimmed = trimResolverOutput('', stderr);
    expect(trimmed.split('\n')).toHaveLength(3);
    expect(trimmed).toContain('No solution found when resolving dependencies');
    expect(trimmed).toContain('your requirements are unsatisfiable');
    expect(trimmed).not.toContain('Resolved 3 packages');
  });

  it('strips colour codes and keeps a missing package line', () => {
    const stderr = '\u001b[31mERROR: Could not find a version that satisfies the requirement nosuch>=1 (from versions: none)\u001b[0m\nERROR: No matching distribution found for nosuch>=1\n';
    expect(trimResolverOutput('Looking in links: /w\n', stderr)).toBe(
      'ERROR: Could not find a version that satisfies the requirement nosuch>=1 (from versions: none)\nERROR: No matching distribution found for nosuch>=1',
    );
  });

  it('falls back to the last lines when everything looked like noise, and caps long output', () => {
    expect(trimResolverOutput('Collecting foo\n', '')).toBe('Collecting foo');
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    const trimmed = trimResolverOutput('', long).split('\n');
    expect(trimmed).toHaveLength(MAX_ERROR_LINES + 1);
    expect(trimmed.at(-1)).toBe(`… (${40 - MAX_ERROR_LINES} more lines)`);
  });
});
