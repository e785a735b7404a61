import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { createContext, type GlobalOptions } from '../context.js';
import { exists } from '../core/fs/exists.js';
import { filterEntries, parseSince, readTrail, renderTable } from '../core/audit/show.js';
import { renderVerify, verifyAuditTrail } from '../core/audit/verify.js';
import { ReportedFailure, UsageError } from '../core/errors.js';
import { exitStatusHelp } from '../core/exit-codes.js';
import type { Runtime } from '../runtime.js';

export const auditShowOptionsSchema = z
  .object({
    since: z.string().optional(),
    command: z.string().min(1).optional(),
    outcome: z.enum(['ok', 'failed', 'interrupted']).optional(),
    limit: z.coerce.number().int().positive().optional(),
    file: z.string().min(1).optional(),
  })
  .strict();
export type AuditShowOptions = z.infer<typeof auditShowOptionsSchema>;

export const auditVerifyOptionsSchema = z.object({ file: z.string().min(1).optional() }).strict();
export type AuditVerifyOptions = z.infer<typeof auditVerifyOptionsSchema>;

const TRAIL_HELP = `
The trail is AUTOCODEX_OPS_AUDIT_LOG (default <root>/logs/autocodex-ops-audit.jsonl): one JSON
record per run of backup, restore, rollback, lock-deps, support-bundle (and healthcheck in
production), each holding the SHA-256 of the one before; <file>.head names the newest record.`;

/** auditCommand reads the audit trail (`show`) and checks its hash chain (`verify`, exit 1 naming the first broken record). */
export function auditCommand(runtime: Runtime): Command {
  const audit = new Command('audit').description('show and verify the tamper-evident audit trail of ops actions').addHelpText('after', TRAIL_HELP);

  audit.addCommand(
    new Command('show')
      .description("list audit records, newest last (also reads the app's legacy pipe-format log)")
      .option('--since <when>', 'only records since a duration ago (7d, 12h, 30m) or a date (2024-05-01)')
      .option('--command <name>', 'only this command and its subcommands (e.g. backup, "backup prune")')
      .addOption(new Option('--outcome <outcome>', 'only this outcome (failed includes interrupted)').choices(['ok', 'failed', 'interrupted']))
      .option('--limit <n>', 'only the newest n records')
      .option('--file <path>', 'read this trail instead, e.g. the app log AUTO_CODEX_AUDIT_LOG')
      .addHelpText('after', exitStatusHelp())
      .action(async (raw: unknown, cmd: Command) => {
        const options = auditShowOptionsSchema.parse(raw);
        const ctx = createContext(cmd.optsWithGlobals<GlobalOptions>(), runtime, 'audit');
        const path = options.file ? resolve(runtime.cwd, options.file) : (await ctx.config()).audit.path;
        if (options.file && !(await exists(path))) throw new UsageError(`No audit log at ${path}.`, { hint: 'Check the path given to --file.' });
        const since = options.since === undefined ? undefined : parseSince(options.since, new Date());
        const trail = await readTrail(path);
        if (trail.unreadable.length) {
          const first = trail.unreadable[0]!;
          ctx.log.warn(`Skipped ${trail.unreadable.length} line(s) in neither audit format, first at ${first.file}:${first.line}; run \`autocodex-ops audit verify\`.`);
        }
        const records = filterEntries(trail.entries, { ...options, since });
        ctx.printer.result({ path, files: trail.files, records }, () =>
          records.length ? renderTable(records) : `No audit records${trail.entries.length ? ' match' : ` in ${path}`}.`,
        );
      }),
  );

  audit.addCommand(
    new Command('verify')
      .description('check the hash chain across rotated files and the head; exit 1 naming the first broken record')
      .option('--file <path>', 'verify this trail instead of AUTOCODEX_OPS_AUDIT_LOG')
      .addHelpText('after', exitStatusHelp())
      .action(async (raw: unknown, cmd: Command) => {
        const options = auditVerifyOptionsSchema.parse(raw);
        const ctx = createContext(cmd.optsWithGlobals<GlobalOptions>(), runtime, 'audit');
        const path = options.file ? resolve(runtime.cwd, options.file) : (await ctx.config()).audit.path;
        const result = await verifyAuditTrail(path);
        for (const w of result.warnings) ctx.log.warn(w);
        ctx.printer.result(result, () => renderVerify(result));
        if (!result.ok) throw new ReportedFailure(`the audit trail is broken: ${result.problems.length} problem(s)`);
      }),
  );
  return audit;
}
