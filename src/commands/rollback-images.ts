import { Command } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { flagOverrides } from '../core/config/flags.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import { fileImageHistory, imageHistoryPath } from '../core/stack/image-history.js';
import { tagProblem } from '../core/stack/image-tags.js';
import { renderHistory, renderImagesPlan, renderImagesResult } from '../core/rollback/render.js';
import { listImageHistory, runImagesRollback } from '../core/rollback/run-images-rollback.js';
import type { Runtime } from '../runtime.js';
import { consentGate, imagesDeps, type RollbackCommandDeps } from './rollback-shared.js';

const tag = z.string().superRefine((t, ctx) => {
  const problem = tagProblem(t);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const rollbackImagesOptionsSchema = z
  .object({
    falkordbTag: tag.optional(),
    graphitiTag: tag.optional(),
    list: z.boolean().default(false),
    pull: z.boolean().default(true),
    backup: z.boolean().default(true),
    healthTimeout: z.coerce.number().int().positive().max(3600).optional(),
    composeFile: z.array(z.string().min(1)).default([]),
    yes: z.boolean().default(false),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine((o) => !o.list || (o.falkordbTag === undefined && o.graphitiTag === undefined && !o.dryRun), {
    message: '--list only shows the history; it cannot be combined with --falkordb-tag, --graphiti-tag or --dry-run',
    path: ['list'],
  });
export type RollbackImagesOptions = z.infer<typeof rollbackImagesOptionsSchema>;

const IMAGES_HELP = `
Without tags, goes to the previous recorded pair (like \`cd -\`: twice returns). The pairs are
recorded in <root>/.autocodex-ops/image-history.json; --list shows them.

Examples:
  autocodex-ops rollback images --list
  autocodex-ops rollback images --dry-run
  autocodex-ops rollback images --falkordb-tag v4.2.0 --graphiti-tag 0.4.0 --yes`;

/** rollbackImagesCommand moves FalkorDB and Graphiti MCP to another pinned tag pair and returns to the previous one if the new pair is not healthy (exit 1). */
export function rollbackImagesCommand(runtime: Runtime, deps: RollbackCommandDeps = {}): Command {
  return new Command('images')
    .description('go back to the previous pinned image pair (or the given tags): backup, rewrite the root .env, compose up, wait for health, return automatically on failure')
    .option('--falkordb-tag <tag>', 'FalkorDB tag to deploy (default: from the previous recorded pair, else unchanged)')
    .option('--graphiti-tag <tag>', 'Graphiti MCP tag to deploy (default: from the previous recorded pair, else unchanged)')
    .option('--list', 'show the recorded tag pairs and exit', false)
    .option('--no-pull', 'never pull: fail (exit 10) when an image is not on this machine')
    .option('--no-backup', 'skip the FalkorDB backup taken before the change')
    .option('--health-timeout <seconds>', 'how long to wait for each service to become healthy (env RESTORE_HEALTH_TIMEOUT_SECS; default 120)')
    .option('--compose-file <file...>', 'compose file(s) to use (default: compose\'s own lookup in the root, override file included)')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option('--dry-run', 'print the plan and change nothing', false)
    .addHelpText('after', `${IMAGES_HELP}\n${exitStatusHelp()}`)
    .action(async (raw: unknown, command: Command) => {
      const options = rollbackImagesOptionsSchema.parse(raw);
      const globals = command.optsWithGlobals<GlobalOptions>();
      const ctx = createContext(globals, runtime, 'rollback');
      if (options.list) {
        const config = await ctx.config();
        const list = await listImageHistory(fileImageHistory(imageHistoryPath(config.root)), { falkordb: config.falkordb.imageTag, graphiti: config.graphitiMcp.imageTag });
        ctx.printer.result(list, () => renderHistory(list));
        return;
      }
      const consent = consentGate(options, runtime, ctx, deps);
      const config = await ctx.config(flagOverrides(options));
      ctx.audit.touch({ falkordbTag: options.falkordbTag, graphitiTag: options.graphitiTag, dryRun: options.dryRun, backup: options.backup, pull: options.pull });
      const wired = await imagesDeps(ctx, globals, config, { composeFile: options.composeFile, confirm: (plan) => consent(renderImagesPlan(plan)) });
      const result = await runImagesRollback(
        { falkordbTag: options.falkordbTag, graphitiTag: options.graphitiTag, noPull: !options.pull, noBackup: !options.backup, dryRun: options.dryRun },
        wired,
      );
      ctx.audit.touch({ from: result.from, to: result.to, backupArchive: result.backup });
      ctx.printer.result(result, () => renderImagesResult(result));
    });
}
