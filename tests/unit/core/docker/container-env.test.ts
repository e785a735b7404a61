import { describe, expect, it } from 'vitest';
import { ContainerEnv } from '../../../../src/core/docker/container-env.js';

describe('ContainerEnv', () => {
  it('parses KEY=value lists (later duplicates win, values may contain =)', () => {
    const env = ContainerEnv.fromDockerEnv(['A=1', 'B=x=y', 'A=2']);
    expect(env.get('A')).toBe('2');
    expect(env.get('B')).toBe('x=y');
    expect(env.get('C')).toBeUndefined();
    expect(env.names()).toEqual(['A', 'B']);
  });

  it('masks values in JSON', () => {
    expect(JSON.stringify({ env: ContainerEnv.fromDockerEnv(['PASSWORD=hunter2']) })).toBe('{"env":{"PASSWORD":"***"}}');
  });
});
