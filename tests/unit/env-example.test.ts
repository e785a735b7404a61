import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { VAR_NAMES } from '../../src/core/config/variables.js';

it('.env.example lists every variable the tool reads', () => {
  const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const missing = VAR_NAMES.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(text));
  expect(missing).toEqual([]);
});
