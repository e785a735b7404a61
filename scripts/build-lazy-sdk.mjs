// esbuild plugin: the AWS SDK (@aws-sdk/client-s3, ~0.7 MB minified) goes into the bundle as a
// string, compiled only when a command first talks to S3. Bundled as code, V8 would scan and
// pre-parse it at every start: `--version` measured 0.1 s slower and 16 MB larger that way.
// The SDK is built on its own with the same plugins (no native addons, lazy built-ins), so inside
// the single binary it needs nothing but built-in modules.
import { build } from 'esbuild';
import { lazyBuiltinsPlugin } from './build-lazy-builtins.mjs';
import { nativeStubPlugin } from './build-native-stub.mjs';

/** The packages embedded this way. */
export const LAZY_PACKAGES = ['@aws-sdk/client-s3'];

/** @returns {import('esbuild').Plugin} */
export function lazySdkPlugin({ minify = true } = {}) {
  return {
    name: 'lazy-sdk',
    setup(pluginBuild) {
      const filter = new RegExp(`^(${LAZY_PACKAGES.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
      pluginBuild.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-sdk', pluginData: { resolveDir: args.resolveDir } }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-sdk' }, async (args) => {
        const result = await build({
          stdin: { contents: `module.exports = require(${JSON.stringify(args.path)});`, resolveDir: args.pluginData.resolveDir, loader: 'js' },
          bundle: true,
          write: false,
          platform: 'node',
          target: 'node20',
          format: 'cjs',
          minify,
          legalComments: 'none',
          plugins: [nativeStubPlugin(), lazyBuiltinsPlugin()],
          logLevel: 'silent',
        });
        const code = result.outputFiles[0].text;
        // `require` here is the bundle's (in the binary: built-ins only, which is all the SDK needs now).
        return {
          loader: 'js',
          contents: `var m = { exports: {} };\nnew Function("module", "exports", "require", ${JSON.stringify(code)})(m, m.exports, require);\nmodule.exports = m.exports;\n`,
        };
      });
    },
  };
}
