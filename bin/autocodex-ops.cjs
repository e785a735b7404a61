#!/usr/bin/env node
// The package.json "bin" entry (`npx autocodex-ops`): runs the esbuild bundle that
// `npm run build` writes (CONTRACT.md "Invocation").
'use strict';

const { existsSync } = require('node:fs');
const { join } = require('node:path');

const packageRoot = join(__dirname, '..');
const bundle = join(packageRoot, 'dist', 'cli.cjs');

if (existsSync(bundle)) {
  require(bundle);
} else {
  process.stderr.write(
    `autocodex-ops: ${bundle} has not been built yet; run \`npm run build\` in ${packageRoot}.\n`,
  );
  process.exitCode = 1;
}
