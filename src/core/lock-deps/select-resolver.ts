import { PrerequisiteError } from '../errors.js';
import { INSTALL_UV_HINT, type BackendDeps, type BackendName, type Resolver } from './backend.js';
import { pipResolver } from './pip-backend.js';
import { detectUv, uvResolver } from './uv-backend.js';

/** Narrow logger: a pino logger fits. */
export interface SelectLog {
  info(msg: string): void;
}

/**
 * selectResolver picks the backend: `uv` when asked for or when uv is on PATH (the original
 * script's tool, its version logged), else pip's own resolver. It throws PrerequisiteError
 * (exit 10) with how to install uv when `--backend uv` or `--universal` needs uv and it is missing.
 * `--universal` with `--backend pip` is a usage error the caller rejects before any I/O.
 */
export async function selectResolver(choice: BackendName | undefined, universal: boolean, deps: BackendDeps, log: SelectLog): Promise<Resolver> {
  if (choice === 'pip') {
    log.info("Using pip's resolver (--backend pip).");
    return pipResolver(deps, { uvMissing: false });
  }
  const uvVersion = await detectUv(deps);
  if (uvVersion !== undefined) {
    log.info(`Using uv ${uvVersion}.`);
    return uvResolver(uvVersion, universal, deps);
  }
  if (choice === 'uv' || universal) {
    const why = choice === 'uv' ? '--backend uv' : '--universal (a lock valid on every platform)';
    throw new PrerequisiteError(`uv not found on PATH; ${why} needs it.`, { hint: INSTALL_UV_HINT });
  }
  log.info("uv not found on PATH; using pip's resolver with an interpreter of each Python version.");
  return pipResolver(deps, { uvMissing: true });
}
