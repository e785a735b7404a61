import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering of docs/architecture.md, checked on every run so it survives the next contributor:
// a use case never imports another use case; core never imports output/, commands/ or the entry
// files; the shared domain (stack, backup-store) and the foundation never import a use case.

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const USE_CASES = ['backups', 'restore', 'drill', 'rollback', 'health', 'lock-deps', 'audit', 'offsite', 'support-bundle', 'after-run', 'projects', 'schedule-run', 'harden'];
// schedule is the crontab model that the `schedule` run (schedule-run) writes and the healthcheck reads.
const DOMAIN = ['stack', 'backup-store', 'schedule', 'codex', 'graphiti'];

/**
 * Imports that break the rule today and are being removed by the other half of issue 13
 * (branch cli-structure: renderers to output/, the audit session passed explicitly). Each entry
 * is "from -> to" relative to src/. Temporary: delete an entry when its import goes; an entry
 * that no longer matches an import fails the test, so the list can only shrink.
 */
const TEMPORARY_ALLOW = new Set<string>([]);

type Edge = { from: string; to: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Static imports, `export … from`, `import type` and dynamic `import('…')`, relative ones only. */
export function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push(m[1]!);
  return specs;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8')).map((spec) => ({
      from: relative(SRC, file),
      to: relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'),
    })),
  );
}

/** Which layer a src-relative path belongs to, and for core its folder. */
function place(path: string): { layer: 'entry' | 'commands' | 'output' | 'use-case' | 'domain' | 'foundation'; folder: string } {
  const [top, folder = ''] = path.split('/');
  if (top === 'commands' || top === 'output') return { layer: top, folder: top };
  if (top !== 'core') return { layer: 'entry', folder: top! };
  if (USE_CASES.includes(folder)) return { layer: 'use-case', folder };
  if (DOMAIN.includes(folder)) return { layer: 'domain', folder };
  return { layer: 'foundation', folder };
}

/** Why an import breaks the layering, or undefined when it is allowed. */
export function violation(e: Edge): string | undefined {
  const a = place(e.from);
  const b = place(e.to);
  const inCore = a.layer === 'use-case' || a.layer === 'domain' || a.layer === 'foundation';
  if (inCore && (b.layer === 'output' || b.layer === 'commands' || b.layer === 'entry')) return 'core imports outside core';
  if (a.layer === 'use-case' && b.layer === 'use-case' && a.folder !== b.folder) return 'use case imports another use case';
  if ((a.layer === 'domain' || a.layer === 'foundation') && b.layer === 'use-case') return 'lower layer imports a use case';
  if (a.layer === 'foundation' && b.layer === 'domain') return 'foundation imports the shared domain';
  return undefined;
}

describe('architecture', () => {
  it('finds static, type-only, re-exported and dynamic imports', () => {
    const text = [
      "import { a } from '../x.js';",
      "import type { B } from './y.js';",
      "export { c } from '../../z.js';",
      "const m = await import('../rollback/observe-pair.js');",
      "import 'node:fs';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['../x.js', './y.js', '../../z.js', '../rollback/observe-pair.js']);
  });

  it('classifies imports that break the layering', () => {
    expect(violation({ from: 'core/restore/a.ts', to: 'core/backups/b.ts' })).toBe('use case imports another use case');
    expect(violation({ from: 'core/stack/a.ts', to: 'output/printer.ts' })).toBe('core imports outside core');
    expect(violation({ from: 'core/docker/a.ts', to: 'core/health/b.ts' })).toBe('lower layer imports a use case');
    expect(violation({ from: 'core/docker/a.ts', to: 'core/stack/b.ts' })).toBe('foundation imports the shared domain');
    expect(violation({ from: 'core/restore/a.ts', to: 'core/stack/b.ts' })).toBeUndefined();
    expect(violation({ from: 'core/health/checks/schedule.ts', to: 'core/schedule-run/run-schedule.ts' })).toBe('use case imports another use case');
    expect(violation({ from: 'core/schedule/scan.ts', to: 'core/schedule-run/replace-old.ts' })).toBe('lower layer imports a use case');
    expect(violation({ from: 'core/health/checks/schedule.ts', to: 'core/schedule/scan.ts' })).toBeUndefined();
    expect(violation({ from: 'commands/restore.ts', to: 'core/restore/a.ts' })).toBeUndefined();
  });

  it('src/ imports only downward (docs/architecture.md)', () => {
    const all = edges();
    expect(all.length).toBeGreaterThan(100);
    const broken = all
      .map((e) => ({ key: `${e.from} -> ${e.to}`, why: violation(e) }))
      .filter((v) => v.why !== undefined);
    expect(broken.filter((v) => !TEMPORARY_ALLOW.has(v.key)).map((v) => `${v.key}: ${v.why}`)).toEqual([]);
    // The allow-list only shrinks: an entry whose import is gone must be deleted.
    const stale = [...TEMPORARY_ALLOW].filter((k) => !broken.some((v) => v.key === k));
    expect(stale).toEqual([]);
  });

  // Issue 13 §5: core takes what the process has (env, cwd, argv, streams, exit) from the Runtime
  // that cli.ts builds, never from \`process\` itself. Its own pid and uid (lock owners, temp names, key-file ownership), kill(pid, 0)
  // and the platform are facts about this process, not inputs, and stay allowed.
  it('core/ never reads the process: env, argv, cwd, streams, exit, signals', () => {
    const reads = /\bprocess\s*\.\s*(env|argv|cwd|stdin|stdout|stderr|exit|exitCode|on|once)\b/;
    const found = sourceFiles(join(SRC, 'core')).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line: line.replace(/\/\*.*?\*\/|\/\/.*$|^\s*\*.*$/g, ''), at: `${relative(SRC, file)}:${i + 1}` }))
        // s3-store sets (never reads) the AWS SDK's own warning switch before the SDK loads.
        .filter((l) => !l.line.includes('process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??='))
        .filter((l) => reads.test(l.line))
        .map((l) => `${l.at}: ${l.line.trim()}`),
    );
    expect(found).toEqual([]);
    expect(reads.test('const e = process.env.HOME;')).toBe(true);
    expect(reads.test('pid: process.pid')).toBe(false);
  });
});
