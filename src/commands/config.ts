import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { describeConfig } from '../core/config/describe.js';
import { flagOverrides } from '../core/config/flags.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import type { Runtime } from '../runtime.js';
import { describeLocation } from '../core/offsite/s3-url.js';
import { openOffsite } from './offsite-shared.js';

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
    .addHelpText('after', exitStatusHelp())
    .action(async (raw: unknown, cmd: Command) => {
      const options = configOptionsSchema.parse(raw);
      const ctx = createContext(cmd.optsWithGlobals<GlobalOptions>(), runtime, 'config');
      const config = await ctx.config(flagOverrides(options));
      const rows = describeConfig(config, options.all);
      // Where offsite copies go and which credential source the AWS chain will use (never the keys).
      const opened = await openOffsite(ctx, config);
      const offsite = opened && {
        url: describeLocation(opened.config.location),
        bucket: opened.config.location.bucket,
        prefix: opened.config.location.prefix,
        endpoint: opened.config.endpoint ?? 'AWS S3',
        region: opened.config.region,
        pathStyle: opened.config.pathStyle,
        always: opened.config.always,
        ...(opened.config.retain ? { retainDays: opened.config.retain.days, lockMode: opened.config.retain.mode } : {}),
        awsKeysFrom: opened.credentials.description,
      };
      ctx.printer.result({ root: config.root, rootOrigin: config.rootOrigin, values: rows, ...(offsite ? { offsite } : {}) }, () => {
        const width = Math.max(...rows.map((r) => r.name.length));
        const lines = rows.map((r) => {
          const base = `${r.name.padEnd(width)}  ${r.value ?? '(unset)'}`;
          return options.showOrigin ? `${base}  [${r.origin}]` : base;
        });
        const off = offsite
          ? ['', `Offsite: ${offsite.url} at ${offsite.endpoint} (region ${offsite.region}${offsite.pathStyle ? ', path-style' : ''})${offsite.always ? ', every backup pushed' : ''}`, `AWS credentials: ${offsite.awsKeysFrom}`]
          : [];
        return [`Root: ${config.root} (${config.rootOrigin})`, '', ...lines, ...off].join('\n');
      });
    });
}
