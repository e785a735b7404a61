import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok, warn, type Check } from '../types.js';

const LOCKFILES = [
  'auto-codex/requirements-py312.lock',
  'auto-codex/requirements-py313.lock',
  'tests/requirements-test-py312.lock',
  'tests/requirements-test-py313.lock',
  'auto-codex-ui/pnpm-lock.yaml',
];

/** lockfiles: the four Python locks and pnpm-lock.yaml exist; missing ones warn, or fail in production. */
export const lockfilesCheck: Check = {
  id: 'lockfiles',
  group: 'repository',
  title: 'lock files',
  async run(ctx) {
    const missing: string[] = [];
    await Promise.all(LOCKFILES.map((f) => access(join(ctx.config.root, f)).catch(() => missing.push(f))));
    if (missing.length === 0) return ok(`${LOCKFILES.length} lock files present`);
    missing.sort((a, b) => LOCKFILES.indexOf(a) - LOCKFILES.indexOf(b));
    const hint = 'Regenerate the Python locks with `autocodex-ops lock-deps` and pnpm-lock.yaml with `pnpm install` in auto-codex-ui.';
    return ctx.config.production
      ? fail(`${missing.join(', ')} missing (required in production)`, hint)
      : warn(`${missing.join(', ')} missing`, hint);
  },
};
