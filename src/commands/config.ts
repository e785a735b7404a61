import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { describeConfig } from '../core/config/describe.js';
import { flagOverrides } from '../core/config/flags.js';
import type { Runtime } from '../runtime.js';

export const configOptionsSchema = z
  .object({
    showOrigin: z.boolean().default(false),
    all: z.boolean().default(false),
    profile: z.enum(['default', 'production']).optional(),
    outputDir: z.string().optional(),
    userdataDir: z.string().optional(),
    mode: z.enum(['save', 'stop', 'live']).optional(),
  })
  .strict();
export type ConfigOptions = z.infer<typeof configOptionsSchema>;

/** configCommand prints the effective configuration, each value with its origin; secrets are masked. */
export function configCommand(runtime: Runtime): Command {
  return new Command('config')
    .description('show the effective configuration and where each value comes from (secrets masked)')
    .option('--show-origin', 'show where each value comes from (flag, env, which .env file, default)', false)
    .option('--all', 'also list variables that are not set and have no default', false)
    .addOption(new Option('--profile <profile>', 'as healthcheck --profile (production = AUTO_CODEX_PRODUCTION=true)').choices(['default', 'production']))
    .option('--output-dir <dir>', 'as backup --output-dir (BACKUP_DIR)')
    .option('--userdata-dir <dir>', 'as backup userdata --userdata-dir (USERDATA_DIR)')
    .addOption(new Option('--mode <mode>', 'as backup falkordb --mode (FALKORDB_BACKUP_MODE)').choices(['save', 'stop', 'live']))
    .action(async (raw: unknown, cmd: Command) => {
      const options = configOptionsSchema.parse(raw);
      const ctx = createContext(cmd.optsWithGlobals<GlobalOptions>(), runtime, 'config');
      const config = await ctx.config(flagOverrides(options));
      const rows = describeConfig(config, options.all);
      ctx.printer.result({ root: config.root, rootOrigin: config.rootOrigin, values: rows }, () => {
        const width = Math.max(...rows.map((r) => r.name.length));
        const lines = rows.map((r) => {
          const base = `${r.name.padEnd(width)}  ${r.value ?? '(unset)'}`;
          return options.showOrigin ? `${base}  [${r.origin}]` : base;
        });
        return [`Root: ${config.root} (${config.rootOrigin})`, '', ...lines].join('\n');
      });
    });
}
