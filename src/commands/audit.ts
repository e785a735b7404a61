import { resolve } from 'node:path';
import { Command } from 'commander';
import type { App } from '../app.js';
import { AUDIT_SHOW, AUDIT_VERIFY } from '../cli-options.js';
import { createContext } from '../context.js';
import { exists } from '../core/fs/exists.js';
import { filterEntries, parseSince, readTrail } from '../core/audit/show.js';
import { verifyAuditTrail } from '../core/audit/verify.js';
import { ReportedFailure, UsageError } from '../core/errors.js';
import { addOptions, schemaOf } from '../option-spec.js';
import { renderTable, renderVerify } from '../output/audit.js';

const showSchema = schemaOf(AUDIT_SHOW);
const verifySchema = schemaOf(AUDIT_VERIFY);

const TRAIL_HELP = `
The trail is AUTOCODEX_OPS_AUDIT_LOG (default <root>/logs/autocodex-ops-audit.jsonl): one JSON
record per run of backup, restore, rollback, lock-deps, support-bundle (and healthcheck in
production), each holding the SHA-256 of the one before; <file>.head names the newest record.
AUTO_CODEX_AUDIT_LOG is the app's own command log, which the app writes (in practice never: nothing
calls its writer) and this tool only reads (audit show --file); it has no chain to verify.`;

/** isLegacyLog: no chained record at all, and every line is in the app's legacy pipe format. */
function isLegacyLog(result: Awaited<ReturnType<typeof verifyAuditTrail>>): boolean {
  return result.records === 0 && result.problems.length > 0 && result.problems.every((p) => p.message.includes('legacy pipe format'));
}

/** auditCommand reads the audit trail (`show`) and checks its hash chain (`verify`, exit 1 naming the first broken record). */
export function auditCommand(app: App): Command {
  const audit = new Command('audit').description('show and verify the tamper-evident audit trail of ops actions').addHelpText('after', TRAIL_HELP);
  const trailPath = async (file: string | undefined, ctx: ReturnType<typeof createContext>) => (file ? resolve(app.runtime.cwd, file) : (await ctx.config()).audit.path);

  const show = new Command('show').description("list audit records, newest last (also reads the app's legacy pipe-format log)");
  audit.addCommand(
    addOptions(show, AUDIT_SHOW).action(async (raw: unknown, cmd: Command) => {
      const options = showSchema.parse(raw);
      const ctx = createContext(cmd.optsWithGlobals(), app, 'audit');
      const path = await trailPath(options.file, ctx);
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

  const verify = new Command('verify').description('check the hash chain across rotated files and the head; exit 1 naming the first broken record');
  audit.addCommand(
    addOptions(verify, AUDIT_VERIFY).action(async (raw: unknown, cmd: Command) => {
      const options = verifySchema.parse(raw);
      const ctx = createContext(cmd.optsWithGlobals(), app, 'audit');
      const path = await trailPath(options.file, ctx);
      const result = await verifyAuditTrail(path);
      if (isLegacyLog(result)) {
        throw new UsageError(`${path} is the app's own command log (timestamp|ALLOWED/BLOCKED|… lines): not a chained trail; nothing to verify.`, {
          hint: 'Read it with `autocodex-ops audit show --file <path>`; `audit verify` checks the trail autocodex-ops writes (AUTOCODEX_OPS_AUDIT_LOG).',
        });
      }
      for (const w of result.warnings) ctx.log.warn(w);
      ctx.printer.result(result, () => renderVerify(result));
      if (!result.ok) throw new ReportedFailure(`the audit trail is broken: ${result.problems.length} problem(s)`);
    }),
  );
  return audit;
}
