import { describeInterrupted, finishCommands, listJournals } from '../../backup-store/restore-journal.js';
import { fail, ok, type Check } from '../types.js';

/**
 * restore-interrupted (issue 23 §3): a FalkorDB restore that was killed between the wipe and the
 * verification left its journal in the machine-wide state folder (any root, any configuration; an
 * earlier version's beside the safety copies); the volume may hold half a restore, so
 * this fails until the restore is finished or undone (`restore falkordb --resume|--undo`).
 */
export const restoreInterruptedCheck: Check = {
  id: 'restore-interrupted',
  group: 'backups',
  title: 'interrupted restore',
  async run(ctx) {
    const place = ctx.journals ?? { dir: ctx.config.preRestoreBackupDir, engine: 'local', legacyDir: ctx.config.preRestoreBackupDir };
    const found = await listJournals(place);
    if (found.length === 0) return ok(`No interrupted restore (no journal in ${place.dir}${place.legacyDir && place.legacyDir !== place.dir ? ` or ${place.legacyDir}` : ''})`);
    return fail(found.map(describeInterrupted).join('; '), `${found.map(finishCommands).join('; ')}. Until then \`backup falkordb\` refuses to archive the volume.`);
  },
};
