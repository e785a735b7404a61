import { Command } from 'commander';
import { imagesDeps, type App } from '../app.js';
import { BACKUP_FALKORDB, ROLLBACK_IMAGES } from '../cli-options.js';
import { consentFor } from '../consent.js';
import { createContext } from '../context.js';
import { fileImageHistory, imageHistoryPath } from '../core/stack/image-history.js';
import { ReportedFailure } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { missingImagesError } from '../core/rollback/images-plan.js';
import { listImageHistory, runImagesRollback } from '../core/rollback/run-images-rollback.js';
import { addOptions, defaultOf, flagOverrides, schemaOf } from '../option-spec.js';
import { renderHistory, renderImagesPlan, renderImagesResult } from '../output/rollback.js';

const schema = schemaOf(ROLLBACK_IMAGES).refine((o) => !o.list || (o.falkordbTag === undefined && o.graphitiTag === undefined && !o.dryRun), {
  message: '--list only shows the history; it cannot be combined with --falkordb-tag, --graphiti-tag or --dry-run',
  path: ['list'],
});

// The backup before the change is `backup falkordb` with its own default save timeout.
const SAVE_TIMEOUT = defaultOf(BACKUP_FALKORDB.saveTimeout.schema) as number;

const IMAGES_HELP = `
Without tags, goes to the previous recorded pair (like \`cd -\`: twice returns). The pairs are
recorded in <root>/.autocodex-ops/image-history.json; --list shows them.

Examples:
  autocodex-ops rollback images --list
  autocodex-ops rollback images --dry-run
  autocodex-ops rollback images --falkordb-tag v4.2.0 --graphiti-tag 0.4.0 --yes`;

/** rollbackImagesCommand moves FalkorDB and Graphiti MCP to another pinned tag pair and returns to the previous one if the new pair is not healthy (exit 1). */
export function rollbackImagesCommand(app: App): Command {
  const cmd = new Command('images').description(
    'go back to the previous pinned image pair (or the given tags): backup, rewrite the root .env, compose up, wait for health, return automatically on failure',
  );
  return addOptions(cmd, ROLLBACK_IMAGES)
    .addHelpText('after', IMAGES_HELP)
    .action(async (raw: unknown, command: Command) => {
      const options = schema.parse(raw);
      const ctx = createContext(command.optsWithGlobals(), app, 'rollback');
      if (options.list) {
        const config = await ctx.config();
        const list = await listImageHistory(fileImageHistory(imageHistoryPath(config.root)), { falkordb: config.falkordb.imageTag, graphiti: config.graphitiMcp.imageTag });
        ctx.printer.result(list, () => renderHistory(list));
        return;
      }
      const ask = consentFor('roll back', options, app.runtime, (text) => ctx.log.info(text));
      const config = await ctx.config(flagOverrides(ROLLBACK_IMAGES, options));
      ctx.audit.touch({ falkordbTag: options.falkordbTag, graphitiTag: options.graphitiTag, dryRun: options.dryRun, backup: options.backup, pull: options.pull });
      const deps = await imagesDeps(ctx, config, { composeFile: options.composeFile, saveTimeoutSeconds: SAVE_TIMEOUT, confirm: (plan) => ask(renderImagesPlan(plan)) });
      const result = await runImagesRollback(
        { falkordbTag: options.falkordbTag, graphitiTag: options.graphitiTag, noPull: !options.pull, noBackup: !options.backup, dryRun: options.dryRun },
        deps,
      );
      ctx.audit.touch({ from: result.from, to: result.to, backupArchive: result.backup });
      ctx.printer.result(result, () => renderImagesResult(result));
      // A dry run printed the plan with the missing images marked; it still ends as the run would (exit 10).
      const missing = missingImagesError(result);
      if (missing) throw new ReportedFailure(missing.message, ExitCode.Prerequisite);
    });
}
