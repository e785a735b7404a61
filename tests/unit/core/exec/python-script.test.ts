import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pythonScriptVersion } from '../../../../src/core/exec/python-script.js';

const DEBIAN_HEADER = "# EASY-INSTALL-ENTRY-SCRIPT: 'docker-compose==1.29.2','console_scripts','docker-compose'\nimport re\n__requires__ = 'docker-compose==1.29.2'\n";
const PIP_BODY = '# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom compose.cli.main import main\n';

interface Layout {
  /** The script's first line; `PY` stands for the prefix's bin/python3. */
  shebang: string;
  body?: string;
  /** Metadata folders under the prefix, e.g. `lib/python3.11/site-packages/docker_compose-1.29.2.dist-info`. */
  metadata?: readonly string[];
  noInterpreter?: boolean;
}

/** A prefix with bin/docker-compose, bin/python3 (unless noInterpreter) and the given metadata folders. */
function makePrefix(layout: Layout): { script: string; bin: string } {
  const prefix = mkdtempSync(join(tmpdir(), 'aco-pyscript-'));
  const bin = join(prefix, 'bin');
  mkdirSync(bin);
  if (!layout.noInterpreter) writeFileSync(join(bin, 'python3'), '', { mode: 0o755 });
  for (const dir of layout.metadata ?? []) mkdirSync(join(prefix, dir), { recursive: true });
  const script = join(bin, 'docker-compose');
  writeFileSync(script, `${layout.shebang.replace('PY', join(bin, 'python3'))}\n${layout.body ?? ''}`, { mode: 0o755 });
  return { script, bin };
}

describe('pythonScriptVersion', () => {
  it.each([
    ["Debian's EASY-INSTALL header", { shebang: '#!PY', body: DEBIAN_HEADER }, '1.29.2'],
    ['a pip script with its dist-info', { shebang: '#!PY', body: PIP_BODY, metadata: ['lib/python3.11/site-packages/docker_compose-1.29.1.dist-info'] }, '1.29.1'],
    ["Debian's egg-info without a header", { shebang: '#!PY', body: PIP_BODY, metadata: ['lib/python3/dist-packages/docker_compose-1.25.0.egg-info'] }, '1.25.0'],
    ['a develop egg-info with the Python tag', { shebang: '#!PY -E', body: PIP_BODY, metadata: ['lib/python3.9/site-packages/docker_compose-1.27.4-py3.9.egg-info'] }, '1.27.4'],
    ['`env python3` found on PATH', { shebang: '#!/usr/bin/env python3', body: DEBIAN_HEADER }, '1.29.2'],
    ['`env python3` not on PATH', { shebang: '#!/usr/bin/env python3', body: DEBIAN_HEADER, noInterpreter: true }, undefined],
    ['other packages only', { shebang: '#!PY', body: PIP_BODY, metadata: ['lib/python3.11/site-packages/docker-5.0.3.dist-info'] }, undefined],
    ['two installed versions (which one runs is unclear)', { shebang: '#!PY', body: PIP_BODY, metadata: ['lib/python3.9/site-packages/docker_compose-1.27.4.dist-info', 'lib/python3.11/site-packages/docker_compose-1.29.2.dist-info'] }, undefined],
    ['a header for another package', { shebang: '#!PY', body: "# EASY-INSTALL-ENTRY-SCRIPT: 'other==2.0.0','console_scripts','other'\n" }, undefined],
    ['its interpreter is missing (the script would not run)', { shebang: '#!PY', body: DEBIAN_HEADER, noInterpreter: true }, undefined],
    ['a shell script', { shebang: '#!/bin/sh', body: `exec docker compose "$@"\n${DEBIAN_HEADER}` }, undefined],
  ] as const)('%s', async (_case, layout, expected) => {
    const { script, bin } = makePrefix(layout);
    expect(await pythonScriptVersion(script, 'docker-compose', { PATH: bin })).toBe(expected);
  });

  it('leaves binaries and unreadable files to be run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aco-elf-'));
    const elf = join(dir, 'docker-compose');
    writeFileSync(elf, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.from(DEBIAN_HEADER)]), { mode: 0o755 });
    expect(await pythonScriptVersion(elf, 'docker-compose', { PATH: dir })).toBeUndefined();
    expect(await pythonScriptVersion(join(dir, 'missing'), 'docker-compose', { PATH: dir })).toBeUndefined();
  });
});
