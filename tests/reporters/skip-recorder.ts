import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Where every vitest run of `npm test` appends the tests it skipped (scripts/check-skips.mjs reads it). */
export const SKIP_REPORT = process.env.AUTOCODEX_OPS_SKIP_REPORT ?? '.test-results/skipped.jsonl';

/**
 * SkipRecorder appends one JSON line per skipped or todo test (file, full name, the note given to
 * `ctx.skip(note)`) so that CI can refuse skips nobody allowed (issue 22): a skipped test is
 * otherwise indistinguishable from a passing one in the summary line.
 */
export default class SkipRecorder implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const mod of testModules) {
      const file = relative(process.cwd(), mod.moduleId);
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        lines.push(JSON.stringify({ project: mod.project.name, file, test: test.fullName, mode: test.options.mode, note: result.note ?? null }));
      }
    }
    if (lines.length === 0) return;
    mkdirSync(dirname(SKIP_REPORT), { recursive: true });
    appendFileSync(SKIP_REPORT, `${lines.join('\n')}\n`);
  }
}
