import { Command } from 'commander';
import type { App } from '../app.js';
import { CONFIG } from '../cli-options.js';
import { createContext } from '../context.js';
import { describeConfig } from '../core/config/describe.js';
import { addOptions, flagOverrides, schemaOf } from '../option-spec.js';
import { renderConfig } from '../output/config.js';

const schema = schemaOf(CONFIG);

/** configCommand prints the effective configuration, each value with its origin; secrets are masked. */
export function configCommand(app: App): Command {
  const cmd = new Command('config').description('show the effective configuration and where each value comes from (secrets masked)');
  return addOptions(cmd, CONFIG).action(async (raw: unknown, command: Command) => {
    const options = schema.parse(raw);
    const ctx = createContext(command.optsWithGlobals(), app, 'config');
    const config = await ctx.config(flagOverrides(CONFIG, options));
    const rows = describeConfig(config, options.all);
    ctx.printer.result({ root: config.root, rootOrigin: config.rootOrigin, values: rows }, () => renderConfig(config, rows, options.showOrigin));
  });
}
