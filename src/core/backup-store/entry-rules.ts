import type { ArchiveEntry } from '../archive/read-archive.js';

// A restore extracts a user-supplied archive into an empty target during an incident. Entries
// that could write outside the target, through a link, or create special files are refused up
// front (anchors-and-gotchas.md §E.7: node-tar had several traversal CVEs; the Docker daemon's own
// untar is a second line of defence, not the first). The rules are lexical and conservative:
// a legitimate FalkorDB or userData archive has plain files, folders and at most a few
// relative symlinks, so anything unusual is refused rather than reasoned about.

/** Entry types a restore writes; everything else (devices, FIFOs, sparse or tape entries) is refused. */
const PLAIN_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/** The path of an entry as its `/`-separated components, `./` and empty parts removed, or a reason it is unsafe. */
export function pathComponents(raw: string): { parts: string[] } | { unsafe: string } {
  if (raw.startsWith('/') || raw.startsWith('\\')) return { unsafe: 'absolute path' };
  if (/^[A-Za-z]:/.test(raw)) return { unsafe: 'drive-letter path' };
  // Backslash splits too: a Linux name with a backslash is legal but never in our archives, and
  // a Windows-made `..\x` must not slip through as one harmless-looking name.
  const parts = raw.split(/[/\\]+/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { unsafe: 'contains ".."' };
  return { parts };
}

/**
 * resolveLinkTarget resolves a symlink's target lexically from the folder holding the link and
 * returns the components inside the archive root, or why it points outside. A target that passes
 * through another symlink of the archive before its last component is refused, because `..`
 * after a symlink is resolved physically, not lexically (`a -> .` then `b -> a/..` escapes).
 */
export function resolveLinkTarget(linkParts: readonly string[], target: string, symlinks: ReadonlySet<string>): { parts: string[] } | { unsafe: string } {
  if (target === '') return { unsafe: 'empty link target' };
  if (target.startsWith('/') || target.startsWith('\\') || /^[A-Za-z]:/.test(target)) return { unsafe: `points to the absolute path ${target}` };
  const out = linkParts.slice(0, -1);
  const steps = target.split(/[/\\]+/).filter((p) => p !== '' && p !== '.');
  for (const [i, step] of steps.entries()) {
    if (step === '..') {
      if (out.length === 0) return { unsafe: `points outside the target (${target})` };
      out.pop();
      continue;
    }
    out.push(step);
    if (i < steps.length - 1 && symlinks.has(out.join('/'))) return { unsafe: `points through another symlink (${out.join('/')})` };
  }
  return { parts: out };
}

/** How the entry rules treat an archive. */
export interface EntryRuleOptions {
  /** Entries to leave out of the restore entirely (not checked, not extracted), as `./`-relative paths. */
  skip?: ReadonlySet<string>;
}

/**
 * unsafeEntries lists, one sentence each, every entry a restore must refuse: an absolute path or
 * a `..` component; a symlink whose target is absolute, leaves the target folder or passes through
 * another symlink; a hard link to anything but a regular file that precedes it; an entry below a
 * symlink (extraction would write through it); a device file, FIFO or any other special type.
 * Pure; an empty list means every entry stays inside the target. Never throws.
 */
export function unsafeEntries(entries: readonly ArchiveEntry[], options: EntryRuleOptions = {}): string[] {
  const problems: string[] = [];
  const kept = entries.filter((e) => !options.skip?.has(e.path));
  const symlinks = new Set<string>();
  for (const e of kept) {
    const p = pathComponents(e.path);
    if ('parts' in p && e.type === 'SymbolicLink') symlinks.add(p.parts.join('/'));
  }
  const files = new Set<string>();
  for (const e of kept) {
    const p = pathComponents(e.path);
    if ('unsafe' in p) {
      problems.push(`${show(e.path)}: ${p.unsafe}`);
      continue;
    }
    const key = p.parts.join('/');
    const under = p.parts.slice(0, -1).map((_, i) => p.parts.slice(0, i + 1).join('/')).find((prefix) => symlinks.has(prefix));
    if (under !== undefined) problems.push(`${show(e.path)}: lies below the symlink ${under}, so extracting it would write through that link`);
    else if (e.type === 'SymbolicLink') {
      const t = resolveLinkTarget(p.parts, e.linkpath ?? '', symlinks);
      if ('unsafe' in t) problems.push(`${show(e.path)}: symlink ${t.unsafe}`);
    } else if (e.type === 'Link') {
      const t = pathComponents(e.linkpath ?? '');
      if ('unsafe' in t) problems.push(`${show(e.path)}: hard link to ${show(e.linkpath ?? '')} (${t.unsafe})`);
      else if (!files.has(t.parts.join('/'))) problems.push(`${show(e.path)}: hard link to ${show(e.linkpath ?? '')}, which is not a regular file earlier in the archive`);
    } else if (!PLAIN_TYPES.has(e.type)) {
      problems.push(`${show(e.path)}: ${describeType(e.type)} not allowed in a restore`);
    } else if (key === '' && e.type !== 'Directory') {
      problems.push(`${show(e.path)}: names the target folder itself but is not a folder`);
    }
    if (e.type !== 'Directory' && e.type !== 'SymbolicLink' && e.type !== 'Link' && PLAIN_TYPES.has(e.type)) files.add(key);
  }
  return problems;
}

function describeType(type: string): string {
  if (type === 'CharacterDevice' || type === 'BlockDevice') return `device file (${type}) is`;
  if (type === 'FIFO') return 'named pipe (FIFO) is';
  return `entry type ${type} is`;
}

// Entry names come from the archive: quote them and keep control characters from reaching the terminal.
function show(path: string): string {
  return JSON.stringify(path);
}
