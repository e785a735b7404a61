// esbuild plugin: replace native addons and absent optional packages with a module that
// throws MODULE_NOT_FOUND, which is what Node throws when they are not installed.
//
// ssh2 (pulled in eagerly by docker-modem) requires `cpu-features` and its own
// `sshcrypto.node` inside try/catch and falls back to pure JS (packaging.md step 1).
// Once npm has built those addons, esbuild fails with `No loader is configured for
// ".node" files`. `debug` (under docker-modem and ioredis) tries `supports-color`, which
// is not installed, so esbuild leaves that require() in place. A require() left in the
// bundle makes the single binary warn that its require "only supports loading built-in
// modules", so none may stay: build.mjs fails on any that does.

/** Packages to stub: native bindings, and optional packages that are required in try/catch but not installed. */
export const STUBBED_PACKAGES = [
  'cpu-features', // native binding, optional in ssh2/lib/protocol/constants.js
  'supports-color', // optional in debug/src/node.js; debug then uses its basic colours
];

const escaped = STUBBED_PACKAGES.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
const filter = new RegExp(`(\\.node$)|(^(${escaped.join('|')})(/.*)?$)`);

/**
 * nativeStubPlugin makes every `require('*.node')` and every STUBBED_PACKAGES require throw
 * MODULE_NOT_FOUND at run time. Each request gets its own stub module because an esbuild
 * CommonJS wrapper that threw once returns `{}` on the next require of the same module;
 * each of these is required exactly once, at its package's load.
 * @returns {import('esbuild').Plugin}
 */
export function nativeStubPlugin() {
  return {
    name: 'native-stub',
    setup(build) {
      build.onResolve({ filter }, (args) => ({
        path: `${args.resolveDir}:${args.path}`,
        namespace: 'native-stub',
        pluginData: { request: args.path },
      }));
      build.onLoad({ filter: /.*/, namespace: 'native-stub' }, (args) => ({
        loader: 'js',
        contents: [
          `var err = new Error(${JSON.stringify(`Cannot find module '${args.pluginData.request}' (left out of the bundle by scripts/build-native-stub.mjs)`)});`,
          `err.code = 'MODULE_NOT_FOUND';`,
          `throw err;`,
        ].join('\n'),
      }));
    },
  };
}
