import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { HELPER_LABEL, removeHelperLeftovers } from '../../../../src/core/docker/helper-container.js';
import { FakeDocker } from '../../../helpers/fake-docker.js';

// A pid that is certainly gone: a child that has exited and been reaped.
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

const helper = (name: string, state: string, labels: Record<string, string>, created = new Date().toISOString()) => ({
  name,
  running: state === 'running',
  state,
  created,
  labels: { [HELPER_LABEL]: '1', ...labels },
});

describe('removeHelperLeftovers', () => {
  it("removes created/exited helpers of dead runs on this host, never a live run's or another host's", async () => {
    const dead = String(deadPid());
    const here = hostname();
    const docker = new FakeDocker({
      containers: [
        helper('dead-exited', 'exited', { [`${HELPER_LABEL}.pid`]: dead, [`${HELPER_LABEL}.host`]: here }),
        helper('dead-created', 'created', { [`${HELPER_LABEL}.pid`]: dead, [`${HELPER_LABEL}.host`]: here }),
        helper('dead-running', 'running', { [`${HELPER_LABEL}.pid`]: dead, [`${HELPER_LABEL}.host`]: here }),
        // An export helper of a run still alive stays `created` while it is read.
        helper('alive-created', 'created', { [`${HELPER_LABEL}.pid`]: String(process.ppid), [`${HELPER_LABEL}.host`]: here }),
        helper('mine', 'created', { [`${HELPER_LABEL}.pid`]: String(process.pid), [`${HELPER_LABEL}.host`]: here }),
        helper('other-host', 'exited', { [`${HELPER_LABEL}.pid`]: dead, [`${HELPER_LABEL}.host`]: `${here}-elsewhere` }),
        helper('old-unowned', 'exited', {}, '2020-01-01T00:00:00Z'),
        helper('new-unowned', 'exited', {}),
        { name: 'not-a-helper', running: false, state: 'exited', labels: {} },
      ],
    });
    const removed = await removeHelperLeftovers(docker);
    expect(removed.sort()).toEqual(['dead-created', 'dead-exited', 'old-unowned']);
    expect(docker.callsTo('removeContainer').map(([id]) => String(id).replace(/-id-\d+$/, '')).sort()).toEqual(['dead-created', 'dead-exited', 'old-unowned']);
  });
});
