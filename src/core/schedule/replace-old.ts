import { join } from 'node:path';
import { z } from 'zod';
import type { ScheduleHost } from './host.js';
import type { OldLine, ScheduleSource } from './old-lines.js';

/**
 * `--replace-old` and `--restore-old` (issue 25): the old scripts' lines are taken out of their
 * crontab or cron file after a copy of that file is saved, and remembered in
 * `<root>/.autocodex-ops/schedule/replaced-old.json` so that `schedule remove --restore-old` can put
 * exactly them back. systemd units of the old scripts are listed, never edited.
 */

const stateSchema = z.object({
  v: z.literal(1),
  lines: z.array(z.object({ source: z.string(), kind: z.enum(['crontab', 'cron-file']), index: z.number().int().nonnegative(), line: z.string(), savedCopy: z.string(), replacedAt: z.string() })),
});
type ReplacedState = z.infer<typeof stateSchema>;

/** statePath is where the replaced lines are remembered. */
export const statePath = (stateDir: string): string => join(stateDir, 'replaced-old.json');

async function readState(host: ScheduleHost, stateDir: string): Promise<ReplacedState> {
  const text = await host.readFile(statePath(stateDir));
  if (text === undefined) return { v: 1, lines: [] };
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${statePath(stateDir)} is not a valid record of replaced lines`);
  return parsed.data;
}

const readSource = (host: ScheduleHost, source: { kind: string; source: string }) =>
  source.kind === 'crontab' ? host.readCrontab() : host.readFile(source.source).then((t) => t ?? '');
const writeSource = (host: ScheduleHost, source: { kind: string; source: string }, text: string) =>
  source.kind === 'crontab' ? host.writeCrontab(text) : host.writeFile(source.source, text, 0o644);

/** The outcome of a replacement: the lines taken out, the saved copies, and its undo. */
export interface Replacement {
  replaced: OldLine[];
  savedCopies: string[];
  undo(): Promise<void>;
}

/**
 * replaceOldLines takes the given old lines out of their sources; each source is saved first
 * (mode 0600). A line that changed since it was scanned is left alone. Returns the undo, which
 * writes every touched source back as it was.
 */
export async function replaceOldLines(host: ScheduleHost, old: readonly OldLine[], sources: readonly ScheduleSource[], stateDir: string, now: Date): Promise<Replacement> {
  const editable = old.filter((l) => l.kind !== 'systemd');
  const state = await readState(host, stateDir);
  const restores: Array<() => Promise<void>> = [];
  const savedCopies: string[] = [];
  const replaced: OldLine[] = [];
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '_');
  await host.makeDir(stateDir, 0o700);
  try {
    for (const source of sources) {
      const mine = editable.filter((l) => l.source === source.name);
      if (!mine.length) continue;
      const lines = source.text.split('\n');
      const copy = join(stateDir, `${source.name.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+/, '')}.${stamp}.bak`);
      await host.writeFile(copy, source.text, 0o600);
      savedCopies.push(copy);
      const drop = new Set(mine.filter((l) => lines[l.index] === l.line).map((l) => l.index));
      const ref = { kind: source.kind, source: source.name };
      await writeSource(host, ref, lines.filter((_, i) => !drop.has(i)).join('\n'));
      restores.push(() => writeSource(host, ref, source.text));
      for (const l of mine.filter((x) => drop.has(x.index))) {
        replaced.push(l);
        state.lines.push({ source: l.source, kind: l.kind as 'crontab' | 'cron-file', index: l.index, line: l.line, savedCopy: copy, replacedAt: now.toISOString() });
      }
    }
    if (replaced.length) await host.writeFile(statePath(stateDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  } catch (err) {
    for (const restore of restores.reverse()) await restore().catch(() => undefined);
    throw err;
  }
  return {
    replaced,
    savedCopies,
    undo: async () => {
      for (const restore of [...restores].reverse()) await restore();
    },
  };
}

/**
 * restoreOldLines puts every remembered old line back at its old place in its source (a line that
 * is already there again is not doubled) and forgets them. Returns the lines restored.
 */
export async function restoreOldLines(host: ScheduleHost, stateDir: string): Promise<{ source: string; line: string }[]> {
  const state = await readState(host, stateDir);
  const restored: { source: string; line: string }[] = [];
  const bySource = new Map<string, ReplacedState['lines']>();
  for (const l of state.lines) bySource.set(l.source, [...(bySource.get(l.source) ?? []), l]);
  for (const [, lines] of bySource) {
    const ref = { kind: lines[0]!.kind, source: lines[0]!.source };
    const current = (await readSource(host, ref)).split('\n');
    if (current.at(-1) === '') current.pop();
    for (const l of [...lines].sort((a, b) => a.index - b.index)) {
      if (current.includes(l.line)) continue;
      current.splice(Math.min(l.index, current.length), 0, l.line);
      restored.push({ source: l.source, line: l.line });
    }
    await writeSource(host, ref, current.length ? `${current.join('\n')}\n` : '');
  }
  if (state.lines.length) await host.removeFile(statePath(stateDir));
  return restored;
}
