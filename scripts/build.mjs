// Build autocodex-ops: (1) esbuild bundle → dist/cli.cjs, (2) Node single executable
// application (SEA) → dist/autocodex-ops. The recipe and its measurements are in
// shared/reference/packaging.md ("The steps that worked (Node SEA)").
//
//   node scripts/build.mjs                 bundle + single binary
//   node scripts/build.mjs --bundle-only   bundle only
//   node scripts/build.mjs --entry scratch.ts --out /tmp/x   another entry/folder (experiments)
//
// Prints one line per step; any failing step exits non-zero with its output.
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { lazyBuiltinsPlugin } from './build-lazy-builtins.mjs';
import { lazyModulesPlugin } from './build-lazy-modules.mjs';
import { lazySdkPlugin } from './build-lazy-sdk.mjs';
import { nativeStubPlugin } from './build-native-stub.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The sentinel that Node's SEA loader looks for (nodejs.org/api/single-executable-applications.html). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const BINARY_NAME = 'autocodex-ops';
const BUNDLE_NAME = 'cli.cjs';

const USAGE = 'usage: node scripts/build.mjs [--bundle-only] [--entry src/cli.ts] [--out dist]';

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      'bundle-only': { type: 'boolean', default: false },
      entry: { type: 'string', default: 'src/cli.ts' },
      out: { type: 'string', default: 'dist' },
    },
  }));
} catch (err) {
  process.stderr.write(`build: ${err.message}\n${USAGE}\n`);
  process.exit(2);
}

const started = performance.now();
const outDir = resolve(root, opts.out);
const bundlePath = join(outDir, BUNDLE_NAME);
const binaryPath = join(outDir, BINARY_NAME);

try {
  await mkdir(outDir, { recursive: true });
  await bundle(resolve(root, opts.entry), bundlePath);
  if (!opts['bundle-only']) await singleExecutable(bundlePath, binaryPath);
  log('done', `${seconds(started)} total`);
} catch (err) {
  process.stderr.write(`build: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

/** bundle writes one CommonJS file (Node 20 SEA runs only CommonJS) and refuses output a SEA cannot run. */
async function bundle(entry, outfile) {
  const t = performance.now();
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // import.meta is empty in CJS output: rebuild url/filename/dirname from the CJS
    // globals. Inside the binary, __filename is the binary's own path.
    banner: { js: '#!/usr/bin/env node\n"use strict";\nvar __aco_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
    define: {
      'import.meta.url': '__aco_import_meta_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
    },
    // Full minify: `node dist/cli.cjs` compiles it ~20% faster than whitespace+syntax only
    // (2.0 vs 2.6 MB); the binary starts as fast either way (code cache). keepNames keeps
    // function and class names in stack traces and in `err.constructor.name`.
    minify: true,
    keepNames: true,
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'none',
    plugins: [nativeStubPlugin(), lazyBuiltinsPlugin(), lazySdkPlugin(), lazyModulesPlugin()],
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  }).catch((err) => {
    throw new Error(`bundle: ${err.errors?.length ? formatEsbuildMessages(err.errors) : String(err)}`);
  });
  for (const w of result.warnings) process.stderr.write(`build: warning: ${formatEsbuildMessages([w])}\n`);
  assertSeaCompatible(result.metafile, outfile);
  const { size } = await stat(outfile);
  log('bundle', `${rel(outfile)} ${mb(size)} (${seconds(t)})`);
}

/**
 * assertSeaCompatible fails when the bundle still loads a file at run time: the SEA's
 * require() serves only built-ins, and with useCodeCache a real dynamic import() throws
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING (packaging.md step 2).
 */
function assertSeaCompatible(metafile, outfile) {
  const output = metafile.outputs[relative(root, outfile)];
  if (!output) throw new Error(`bundle: esbuild's metafile does not list ${rel(outfile)}`);
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const bad = output.imports.filter((i) => i.kind === 'dynamic-import' || !builtins.has(i.path));
  if (bad.length > 0) {
    const list = bad.map((i) => `${i.kind} '${i.path}'`).join(', ');
    throw new Error(
      `bundle: ${rel(outfile)} loads files at run time, which the single binary cannot: ${list}. ` +
        'Import node: built-ins statically (not with await import()); add an optional package ' +
        'that is not installed to STUBBED_PACKAGES in scripts/build-native-stub.mjs.',
    );
  }
}

/** singleExecutable makes the SEA blob, copies this node, strips it, injects the blob. */
async function singleExecutable(mainPath, target) {
  // macOS needs `--macho-segment-name NODE_SEA` and re-signing, Windows a PE resource and signtool:
  // neither is wired up (packaging.md step 4), so refuse instead of writing a broken binary.
  if (process.platform !== 'linux') throw new Error(`sea: only Linux is supported, not ${process.platform}`);
  const work = await mkdtemp(join(tmpdir(), 'aco-sea-'));
  const partial = `${target}.${process.pid}.partial`;
  try {
    await rm(target, { force: true });
    let t = performance.now();
    const blob = join(work, 'sea-prep.blob');
    const config = join(work, 'sea-config.json');
    await writeFile(
      config,
      JSON.stringify({ main: mainPath, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2),
    );
    run('blob', process.execPath, ['--experimental-sea-config', config]);
    log('blob', `${mb((await stat(blob)).size)} with code cache, node ${process.version} (${seconds(t)})`);

    // The base must be the node that made the blob: the code cache is tied to its V8.
    t = performance.now();
    await copyFile(process.execPath, partial);
    await chmod(partial, 0o755);
    const before = (await stat(partial)).size;
    // Strip BEFORE injection, never after: strip drops the injected note section.
    let how = '(no strip on PATH: not stripped)';
    if (hasCommand('strip')) {
      run('strip', 'strip', [partial]);
      how = `→ stripped ${mb((await stat(partial)).size)}`;
    }
    log('base', `${process.execPath} ${mb(before)} ${how} (${seconds(t)})`);

    t = performance.now();
    const postject = require.resolve('postject/dist/cli.js');
    run('inject', process.execPath, [postject, partial, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
    await rename(partial, target);
    await chmod(target, 0o755);
    log('inject', `${rel(target)} ${mb((await stat(target)).size)} (${seconds(t)})`);
  } finally {
    await rm(partial, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

/** run executes a build tool, quietly on success; on failure it throws with the tool's output. */
function run(step, command, args) {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    throw new Error(`${step}: ${command} ${args.join(' ')}: ${why}\n${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd());
  }
  return r;
}

function hasCommand(command) {
  return !spawnSync(command, ['--version'], { stdio: 'ignore' }).error;
}

function formatEsbuildMessages(messages) {
  return messages
    .map((m) => (m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text))
    .join('\n');
}

function log(step, message) {
  process.stdout.write(`build: ${step.padEnd(6)} ${message}\n`);
}

function rel(path) {
  const r = relative(process.cwd(), path);
  return r.startsWith('..') ? path : r;
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function seconds(since) {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
