import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalName, diffPins, formatChange, parsePins, renderLock, splitHeader } from '../../../../src/core/lock-deps/lock-file.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../../fixtures/lock-deps', name), 'utf8');

describe('parsePins', () => {
  it('reads a uv lock: one pin per package, annotations and header skipped', () => {
    expect(parsePins(fixture('uv-py312.lock'))).toEqual([
      { name: 'annotated-types', version: '0.7.0' },
      { name: 'anyio', version: '4.8.0' },
      { name: 'graphiti-core', version: '0.5.3' },
      { name: 'python-dotenv', version: '1.0.1' },
      { name: 'pyyaml', version: '6.0.2' },
      { name: 'typing-extensions', version: '4.12.2' },
    ]);
  });

  it('reads universal locks with markers, hashes, option lines and direct references', () => {
    expect(parsePins(fixture('uv-universal-hashes.lock'))).toEqual([
      { name: 'colorama', version: '0.4.6', marker: "sys_platform == 'win32'" },
      { name: 'numpy', version: '1.26.4', marker: "python_full_version < '3.13'" },
      { name: 'numpy', version: '2.1.3', marker: "python_full_version >= '3.13'" },
      { name: 'pytest-cov', version: '6.0.0' },
      { name: 'local-pkg', version: 'file:///srv/wheels/local_pkg-1.0-py3-none-any.whl' },
    ]);
  });

  it('accepts extras, === and CRLF line ends, and ignores what is not a pin', () => {
    const text = '# header\r\nfoo[bar]==1.0\r\nbaz===2.0b1\r\n-e ./local\r\nnot a pin at all\r\n';
    expect(parsePins(text)).toEqual([
      { name: 'foo', version: '1.0' },
      { name: 'baz', version: '2.0b1' },
    ]);
  });
});

describe('splitHeader', () => {
  it('separates the leading comment block from the body', () => {
    const { header, body } = splitHeader(fixture('uv-py312.lock'));
    expect(header).toHaveLength(2);
    expect(header[1]).toContain('uv pip compile --python-version 3.12');
    expect(body[0]).toBe('annotated-types==0.7.0');
  });
});

describe('diffPins', () => {
  it('lists changed, new and removed packages by name, and nothing for equal pins', () => {
    const before = parsePins('a==1\nb==2\nc==3\n');
    const after = parsePins('a==1\nb==2.1\nd==4\n');
    expect(diffPins(before, after)).toEqual([
      { name: 'b', from: '2', to: '2.1' },
      { name: 'c', from: '3' },
      { name: 'd', to: '4' },
    ]);
    expect(diffPins(before, parsePins('# other header\nc==3\na==1\nb==2\n'))).toEqual([]);
  });

  it('compares packages with markers per marker', () => {
    const before = parsePins(fixture('uv-universal-hashes.lock'));
    const after = before.map((p) => (p.name === 'numpy' && p.version === '2.1.3' ? { ...p, version: '2.2.0' } : p));
    expect(diffPins(before, after)).toEqual([{ name: 'numpy', marker: "python_full_version >= '3.13'", from: '2.1.3', to: '2.2.0' }]);
  });

  it('treats a name spelled differently as the same package', () => {
    expect(diffPins(parsePins('Typing_Extensions==4.12.2\n'), parsePins('typing-extensions==4.12.2\n'))).toEqual([]);
  });
});

describe('formatChange', () => {
  it.each([
    [{ name: 'anyio', from: '4.7.0', to: '4.8.0' }, 'anyio 4.7.0 → 4.8.0'],
    [{ name: 'foo', to: '1.0' }, 'foo 1.0 (new)'],
    [{ name: 'bar', from: '2.0' }, 'bar 2.0 (removed)'],
    [{ name: 'numpy', marker: "python_version < '3.13'", from: '1', to: '2' }, "numpy ; python_version < '3.13' 1 → 2"],
  ])('%j', (change, text) => {
    expect(formatChange(change)).toBe(text);
  });
});

describe('renderLock', () => {
  it("writes uv's layout: header, pins sorted by byte order, -r first in # via", () => {
    const text = renderLock(['made by a test', '   some command'], [
      { name: 'pytest-cov', spec: '==6.0.0', via: ['-r tests/requirements-test.txt'] },
      { name: 'pytest', spec: '==8.3.4', via: ['pytest-cov', '-r tests/requirements-test.txt'] },
      { name: 'pytestx', spec: '==1.0', via: [] },
    ]);
    expect(text).toBe(
      [
        '# made by a test',
        '#    some command',
        'pytest==8.3.4',
        '    # via',
        '    #   -r tests/requirements-test.txt',
        '    #   pytest-cov',
        'pytest-cov==6.0.0',
        '    # via -r tests/requirements-test.txt',
        'pytestx==1.0',
        '',
      ].join('\n'),
    );
    expect(parsePins(text).map((p) => p.name)).toEqual(['pytest', 'pytest-cov', 'pytestx']);
  });

  it('canonicalises names as PEP 503 does', () => {
    expect(canonicalName('Eps__Ilon.Extra')).toBe('eps-ilon-extra');
  });
});
