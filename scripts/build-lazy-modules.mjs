// esbuild plugin: two modules dockerode loads eagerly but this tool never calls on its usual
// paths, `docker-modem/lib/ssh.js` (ssh2: an ssh:// DOCKER_HOST) and `dockerode/lib/session.js`
// (gRPC and protobufjs: BuildKit sessions), stay in the bundle but are evaluated on first call.
// Evaluating them at every start cost about 50 ms before the first engine call (CPU profile of a
// backup, issue 16). Each exports one function, so a function that requires the real module when
// called is a faithful stand-in.

/** `importer suffix → request` pairs made lazy. */
export const LAZY_MODULES = [
  ['docker-modem/lib/modem.js', './ssh'],
  ['dockerode/lib/docker.js', './session'],
];

/** @returns {import('esbuild').Plugin} */
export function lazyModulesPlugin() {
  return {
    name: 'lazy-modules',
    setup(build) {
      build.onResolve({ filter: /^\.\/(ssh|session)$/ }, async (args) => {
        if (args.namespace !== 'file' || !LAZY_MODULES.some(([importer, request]) => args.importer.endsWith(importer) && args.path === request)) return undefined;
        const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer });
        if (real.errors.length > 0) return { errors: real.errors };
        return { path: real.path, namespace: 'lazy-module' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => ({
        loader: 'js',
        resolveDir: '/',
        contents: `module.exports = function () { return require(${JSON.stringify(args.path)}).apply(this, arguments); };\n`,
      }));
    },
  };
}
