import { describe, expect, it } from 'vitest';
import { runProgram } from '../../helpers/run-program.js';

describe('harden (argv)', () => {
  it('without a subcommand or --cleanup: exit 2 naming both', async () => {
    const r = await runProgram(['harden'], { env: { AUTO_CODEX_ROOT: '/nonexistent-root' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/harden falkordb, or harden --cleanup/);
  });

  it('--password-from-env with --generate-password: exit 2 before anything is read', async () => {
    const r = await runProgram(['harden', 'falkordb', '--password-from-env', '--generate-password', '--dry-run'], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not both/);
  });

  it('--password-from-env without the variable: exit 2', async () => {
    const r = await runProgram(['harden', 'falkordb', '--password-from-env', '--dry-run', '--root', '/tmp'], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GRAPHITI_FALKORDB_PASSWORD is not set in the environment/);
  });

  it('no terminal, no --yes: exit 2 before anything is touched', async () => {
    const r = await runProgram(['harden', 'falkordb', '--root', '/tmp'], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Refusing to harden FalkorDB without confirmation/);
  });

  it('harden --cleanup: no terminal and no --yes is exit 2; an unknown option is exit 2', async () => {
    const env = { DOCKER_HOST: 'unix:///nonexistent.sock' };
    const refused = await runProgram(['harden', '--cleanup', '--root', '/tmp'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to remove the pre-harden containers without confirmation/);
    const unknown = await runProgram(['harden', '--cleanup', '--bogus'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option or argument for harden: --bogus/);
  });
});
