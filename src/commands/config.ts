import { Command } from 'commander';
import type { App } from '../app.js';
import { CONFIG } from '../cli-options.js';
import { createContext } from '../context.js';
import { describeConfig } from '../core/config/describe.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { describeLocation } from '../core/offsite/s3-url.js';
import { renderConfig } from '../output/config.js';
import { openOffsite } from './offsite-shared.js';

const schema = schemaOf(CONFIG);

/** configCommand prints the effective configuration, each value with its origin; secrets are masked. */
export function configCommand(app: App): Command {
  const cmd = new Command('config').description('show the effective configuration and where each value comes from (secrets masked)');
  return addOptions(cmd, CONFIG).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'config');
    const config = await ctx.config(flagOverrides(CONFIG, options));
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
      const off = offsite
        ? ['', `Offsite: ${offsite.url} at ${offsite.endpoint} (region ${offsite.region}${offsite.pathStyle ? ', path-style' : ''})${offsite.always ? ', every backup pushed' : ''}`, `AWS credentials: ${offsite.awsKeysFrom}`]
        : [];
      return [renderConfig(config, rows, options.showOrigin), ...off].join('\n');
    });
  });
}
