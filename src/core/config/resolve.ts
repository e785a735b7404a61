import { parse } from 'dotenv';
import { VARIABLES, VAR_NAMES, type FileSource, type VarName } from './variables.js';

/** Where a value came from: a flag, the process environment, a .env file, a default, or nowhere. */
export type Origin =
  | { kind: 'flag'; flag: string }
  | { kind: 'env' }
  | { kind: 'file'; file: FileSource }
  | { kind: 'default' }
  | { kind: 'unset' };

export interface Resolved {
  value: string | undefined;
  origin: Origin;
}

/** A flag value that overrides a variable, with the flag's spelling for `config --show-origin`. */
export interface FlagValue {
  value: string;
  flag: string;
}

export interface ResolveInput {
  env: Record<string, string | undefined>;
  /** Raw contents of the .env files that exist (absent key: file absent). */
  files: Partial<Record<FileSource, string>>;
  flags?: Partial<Record<VarName, FlagValue>>;
}

/** originLabel renders an origin for people: `flag --output-dir`, `env`, `file .env`, `default`. */
export function originLabel(origin: Origin): string {
  switch (origin.kind) {
    case 'flag':
      return `flag ${origin.flag}`;
    case 'file':
      return `file ${origin.file}`;
    default:
      return origin.kind;
  }
}

// The scripts' get_env_value treats an empty value as "not found", so an empty entry never
// hides a later source; we keep that.
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * resolveVariables applies the precedence (flag, then each variable's own lookup order) to every
 * variable of the table; pure: .env contents are parsed with dotenv.parse, never loaded into process.env.
 */
export function resolveVariables(input: ResolveInput): Record<VarName, Resolved> {
  const parsed: Partial<Record<FileSource, Record<string, string>>> = {};
  for (const [file, text] of Object.entries(input.files) as [FileSource, string][]) parsed[file] = parse(text);

  const out = {} as Record<VarName, Resolved>;
  for (const name of VAR_NAMES) {
    const flag = input.flags?.[name];
    if (flag) {
      out[name] = { value: flag.value, origin: { kind: 'flag', flag: flag.flag } };
      continue;
    }
    out[name] = { value: undefined, origin: { kind: 'unset' } };
    for (const source of VARIABLES[name].sources) {
      const value = nonEmpty(source === 'env' ? input.env[name] : parsed[source]?.[name]);
      if (value !== undefined) {
        out[name] = { value, origin: source === 'env' ? { kind: 'env' } : { kind: 'file', file: source } };
        break;
      }
    }
  }
  return out;
}

/**
 * resolvePassword implements the scripts' password order: env GRAPHITI_FALKORDB_PASSWORD, env
 * FALKORDB_PASSWORD, then the same two in auto-codex/.env, then in the root .env.
 */
export function resolvePassword(input: ResolveInput): Resolved & { variable?: VarName } {
  const flag = input.flags?.GRAPHITI_FALKORDB_PASSWORD;
  if (flag) return { value: flag.value, origin: { kind: 'flag', flag: flag.flag }, variable: 'GRAPHITI_FALKORDB_PASSWORD' };
  const keys: VarName[] = ['GRAPHITI_FALKORDB_PASSWORD', 'FALKORDB_PASSWORD'];
  for (const source of ['env', 'auto-codex/.env', '.env'] as const) {
    const map = source === 'env' ? input.env : input.files[source] === undefined ? undefined : parse(input.files[source]!);
    for (const key of keys) {
      const value = nonEmpty(map?.[key]);
      if (value !== undefined) {
        return { value, origin: source === 'env' ? { kind: 'env' } : { kind: 'file', file: source }, variable: key };
      }
    }
  }
  return { value: undefined, origin: { kind: 'unset' } };
}
