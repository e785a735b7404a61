import { defineConfig } from 'vitest/config';

// Three projects: unit (fakes only, fast), integration (real Docker engine and Redis,
// serial, long timeouts), e2e (spawns the built bundle and single binary).
export default defineConfig({
  test: {
    setupFiles: ['tests/setup.ts'],
    // The recorder lists skipped tests for scripts/check-skips.mjs (issue 22: no silent skips in CI).
    reporters: ['default', './tests/reporters/skip-recorder.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], globalSetup: ['tests/tmp-scope.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.int.test.ts'],
          globalSetup: ['tests/tmp-scope.ts', 'tests/s3-teardown.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          globalSetup: ['tests/tmp-scope.ts', 'tests/s3-teardown.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
