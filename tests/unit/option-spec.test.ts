import { Command } from 'commander';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import * as OPTIONS from '../../src/cli-options.js';
import { addOptions, defaultOf, flagOverrides, helpOf, option, schemaOf, type OptionSpecs } from '../../src/option-spec.js';

describe('options declared once', () => {
  it('generates the commander option (choices, help with its default) and the parse schema from one spec', () => {
    const specs = {
      saveTimeout: option('--save-timeout <seconds>', 'limit', z.coerce.number().int().positive().default(300)),
      mode: option('--mode <mode>', 'how', z.enum(['save', 'stop', 'live']).optional(), { env: 'FALKORDB_BACKUP_MODE' }),
      yes: option('-y, --yes', 'go ahead', z.boolean().default(false)),
    };
    const cmd = addOptions(new Command('x').exitOverride(), specs);
    expect(cmd.options.map((o) => [o.flags, o.description, o.argChoices])).toEqual([
      ['--save-timeout <seconds>', 'limit (default 300)', undefined],
      ['--mode <mode>', 'how (env FALKORDB_BACKUP_MODE; default save)', ['save', 'stop', 'live']],
      ['-y, --yes', 'go ahead', undefined],
    ]);
    // commander hands over no default of its own: the schema's is the only one.
    cmd.parse(['node', 'x'], { from: 'node' });
    expect(cmd.opts()).toEqual({});
    expect(schemaOf(specs).parse(cmd.opts())).toEqual({ saveTimeout: 300, yes: false });
    expect(() => schemaOf(specs).parse({ mode: 'fast' })).toThrow();
    expect(() => schemaOf(specs).parse({ unknown: 1 })).toThrow();
  });

  it('refuses a spec filed under another key than its flag (a programming error)', () => {
    expect(() => addOptions(new Command('x'), { saveTimeout: option('--timeout <s>', 't', z.string()) })).toThrow(/declared under "saveTimeout"/);
  });

  it('turns given options with a variable into config overrides, the flag as origin, and --profile into AUTO_CODEX_PRODUCTION', () => {
    expect(flagOverrides(OPTIONS.BACKUP_FALKORDB, { outputDir: '/b', mode: 'stop', keepMin: 1, retentionDays: 0 })).toEqual({
      BACKUP_DIR: { value: '/b', flag: '--output-dir' },
      FALKORDB_BACKUP_MODE: { value: 'stop', flag: '--mode' },
      BACKUP_RETENTION_DAYS: { value: '0', flag: '--retention-days' },
    });
    expect(flagOverrides(OPTIONS.HEALTHCHECK, { profile: 'production' })).toEqual({ AUTO_CODEX_PRODUCTION: { value: 'true', flag: '--profile production' } });
  });

  it('every declared option builds, and every help names its default exactly once', () => {
    for (const [name, specs] of Object.entries(OPTIONS)) {
      if (!('flags' in specs)) {
        expect(() => addOptions(new Command(name), specs as OptionSpecs)).not.toThrow();
        for (const spec of Object.values(specs as OptionSpecs)) expect((helpOf(spec).match(/default /g) ?? []).length, spec.flags).toBeLessThanOrEqual(1);
      }
    }
    expect(defaultOf(OPTIONS.BACKUP_FALKORDB.saveTimeout.schema)).toBe(300);
  });
});
