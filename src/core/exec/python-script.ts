import { open, readdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { isExecutableFile, which } from './which.js';

// A Python console script (pip's, or Debian's EASY-INSTALL one) starts Python just to print a
// version: 0.7 s for docker-compose 1.29 on a quiet machine. Its header and its package's metadata
// folder say the same without starting anything.

const normalise = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '_');

async function head(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

/** The interpreter a `#!` line names, when it is a Python: an absolute path, or a name `env` looks up. */
function pythonOf(shebang: string): { path?: string; name: string } | undefined {
  const words = shebang.slice(2).trim().split(/\s+/);
  const [first = '', ...rest] = words;
  const viaEnv = basename(first) === 'env';
  const program = viaEnv ? rest.find((w) => !w.startsWith('-')) ?? '' : first;
  if (!/^python(\d+(\.\d+)?)?$/.test(basename(program))) return undefined;
  return viaEnv || !isAbsolute(program) ? { name: program } : { path: program, name: basename(program) };
}

/** Versions of `dist` installed under a prefix: `lib/python3*\/{site,dist}-packages/<dist>-<version>.{dist,egg}-info`. */
async function installedVersions(prefix: string, dist: string): Promise<string[]> {
  const lib = join(prefix, 'lib');
  const pythons = (await readdir(lib).catch(() => [] as string[])).filter((e) => /^python3(\.\d+)?$/.test(e));
  const found: string[] = [];
  for (const dir of pythons.flatMap((p) => ['site-packages', 'dist-packages'].map((d) => join(lib, p, d)))) {
    for (const entry of await readdir(dir).catch(() => [] as string[])) {
      const m = /^(.+?)-(\d[^-]*?)(?:-py\d[\d.]*)?\.(?:dist|egg)-info$/.exec(entry);
      if (m && normalise(m[1]!) === normalise(dist)) found.push(m[2]!);
    }
  }
  return found;
}

/**
 * pythonScriptVersion reads the version of the Python distribution `dist` behind the console
 * script `file` without running it: from the EASY-INSTALL header, else from the one metadata folder
 * under the script's or the interpreter's prefix. Undefined (then run the program) when the file
 * is no Python script (an ELF binary), its interpreter is missing, or the version is not certain.
 */
export async function pythonScriptVersion(file: string, dist: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  const text = await head(file).catch(() => '');
  if (!text.startsWith('#!')) return undefined;
  const python = pythonOf(text.split('\n', 1)[0]!);
  const interpreter = python && (python.path ?? (await which(python.name, env.PATH ?? '')));
  if (!interpreter || !(await isExecutableFile(interpreter))) return undefined;
  for (const m of text.matchAll(/^(?:# EASY-INSTALL-ENTRY-SCRIPT: |__requires__ = )'([^'=<>!~ ]+)==([^']+)'/gm)) {
    if (normalise(m[1]!) === normalise(dist)) return m[2];
  }
  const prefixes = new Set([dirname(dirname(file)), ...(python.path ? [dirname(dirname(python.path))] : [])]);
  const versions = new Set<string>();
  for (const prefix of prefixes) for (const v of await installedVersions(prefix, dist)) versions.add(v);
  return versions.size === 1 ? [...versions][0] : undefined;
}
