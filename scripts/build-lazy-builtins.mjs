// esbuild plugin: `await import('node:http')` (the AWS SDK's HTTP handler loads node:http,
// node:https, node:http2 and node:async_hooks this way) stays a real dynamic import in the bundle,
// which the single binary cannot run (with useCodeCache it throws ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
// This plugin answers each such import with a tiny bundled module that require()s the built-in:
// still loaded only when that code path runs, so `--version` and the healthcheck pay nothing.
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** @returns {import('esbuild').Plugin} */
export function lazyBuiltinsPlugin() {
  return {
    name: 'lazy-builtins',
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) => {
        if (args.kind !== 'dynamic-import' || !BUILTINS.has(args.path)) return undefined;
        return { path: args.path, namespace: 'lazy-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        loader: 'js',
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
      }));
    },
  };
}
