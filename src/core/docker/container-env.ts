import { inspect } from 'node:util';

/**
 * ContainerEnv holds a container's environment (`Config.Env`) without leaking it: values may be
 * secrets (FalkorDB passwords in `REDIS_ARGS`/`FALKORDB_ARGS`, API keys), so JSON serialisation
 * (pino, `--json`) and `util.inspect` show the names with `***` values. Read values with `get`.
 */
export class ContainerEnv {
  readonly #values: ReadonlyMap<string, string>;

  constructor(values: Iterable<readonly [string, string]> = []) {
    this.#values = new Map(values);
  }

  /** fromDockerEnv parses Docker's `KEY=value` list; an entry without `=` maps to the empty string, a later duplicate wins. */
  static fromDockerEnv(list: readonly string[] | null | undefined): ContainerEnv {
    return new ContainerEnv(
      (list ?? []).map((entry): [string, string] => {
        const eq = entry.indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }

  /** get returns the value of `name`, or undefined when the variable is not set. Never log the result. */
  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  /** has tells whether `name` is set (possibly to the empty string). */
  has(name: string): boolean {
    return this.#values.has(name);
  }

  /** names lists the variable names in their original order; safe to log. */
  names(): string[] {
    return [...this.#values.keys()];
  }

  /** toJSON masks every value so serialising a container record never prints a secret. */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this.names().map((name) => [name, '***']));
  }

  [inspect.custom](): string {
    return `ContainerEnv(${this.names().join(', ')})`;
  }
}
