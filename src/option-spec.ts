import { type Command, Option } from 'commander';
import { z } from 'zod';
import type { FlagValue } from './core/config/resolve.js';
import { VARIABLES, type VarName } from './core/config/variables.js';

/**
 * OptionSpec declares one command-line option once, as data (npm-check-updates' `cli-options` is
 * the anchor): its flags, its help, and a zod schema that is its type, its checks and its only
 * default. Both the commander option and the command's parse schema are generated from it, so a
 * default or a list of choices is never written twice.
 */
export interface OptionSpec<S extends z.ZodType = z.ZodType> {
  /** commander's flags: `-y, --yes`, `--save-timeout <seconds>`, `--only <ids...>`, `--no-pull`. */
  flags: string;
  help: string;
  schema: S;
  /** The configuration variable this flag overrides; its default is the one in config/variables.ts. */
  env?: VarName;
  mandatory?: boolean;
  /** commander's argument parser, e.g. to collect a repeated flag into a list. */
  parse?: (value: string, previous: unknown) => unknown;
}

/** A command's options, keyed by commander's attribute name (`--save-timeout` → `saveTimeout`). */
export type OptionSpecs = Record<string, OptionSpec>;

/** The parsed options of a command declared by `specs`. */
export type OptionsOf<T extends OptionSpecs> = z.infer<ReturnType<typeof schemaOf<T>>>;

/** option declares one option; see OptionSpec. */
export function option<S extends z.ZodType>(flags: string, help: string, schema: S, extra: Pick<OptionSpec, 'env' | 'mandatory' | 'parse'> = {}): OptionSpec<S> {
  return { flags, help, schema, ...extra };
}

/** schemaOf is the strict zod object of a command's options: an unknown key is a bug, a bad value exit 2. */
export function schemaOf<T extends OptionSpecs>(specs: T) {
  const shape = Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, spec.schema])) as { [K in keyof T]: T[K]['schema'] };
  return z.object(shape).strict();
}

/** defaultOf is the schema's default, if it has one. */
export function defaultOf(schema: z.ZodType): unknown {
  return schema instanceof z.ZodDefault ? (schema.def.defaultValue as unknown) : undefined;
}

function choicesOf(schema: z.ZodType): readonly string[] | undefined {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodEnum ? (s.options as string[]) : undefined;
}

/** helpOf is the option's help with where its default comes from: the variable (and its default), or the schema's default. */
export function helpOf(spec: OptionSpec): string {
  if (spec.env) {
    const fallback = VARIABLES[spec.env].default;
    return `${spec.help} (env ${spec.env}${fallback === undefined ? '' : `; default ${fallback}`})`;
  }
  const value = defaultOf(spec.schema);
  // `false` of a switch and `true` of a --no- switch go without saying.
  if (value === undefined || typeof value === 'boolean' || (Array.isArray(value) && value.length === 0)) return spec.help;
  return `${spec.help} (default ${String(value)})`;
}

/** addOptions declares `specs` on a commander command; a key that is not the flag's attribute name is a programming error. */
export function addOptions(cmd: Command, specs: OptionSpecs): Command {
  for (const [key, spec] of Object.entries(specs)) {
    const opt = new Option(spec.flags, helpOf(spec));
    if (opt.attributeName() !== key) throw new Error(`Option ${spec.flags} is declared under "${key}", not "${opt.attributeName()}".`);
    const choices = choicesOf(spec.schema);
    if (choices) opt.choices(choices);
    if (spec.mandatory) opt.makeOptionMandatory();
    if (spec.parse) opt.argParser(spec.parse);
    cmd.addOption(opt);
  }
  return cmd;
}

/** The long flag of a spec (`--output-dir`), as the config names its origin. */
function longFlag(spec: OptionSpec): string {
  return spec.flags.split(/[ ,]+/).find((f) => f.startsWith('--'))!;
}

/**
 * flagOverrides turns a command's parsed options into configuration overrides: every option
 * declared with `env` that was given, with its flag as the origin; `--profile production` stands
 * for AUTO_CODEX_PRODUCTION=true and `--profile default` for false (CONTRACT "Commands").
 */
export function flagOverrides(specs: OptionSpecs, options: Record<string, unknown>): Partial<Record<VarName, FlagValue>> {
  const out: Partial<Record<VarName, FlagValue>> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = options[key];
    if (spec.env && value !== undefined && value !== null) out[spec.env] = { value: String(value), flag: longFlag(spec) };
  }
  if (options.profile !== undefined) {
    out.AUTO_CODEX_PRODUCTION = { value: options.profile === 'production' ? 'true' : 'false', flag: `--profile ${String(options.profile)}` };
  }
  return out;
}
