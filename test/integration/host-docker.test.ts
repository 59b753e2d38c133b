/**
 * Finding the Docker engine: the local socket when it answers, and a DOCKER_HOST that does not
 * answer reported as such rather than replaced by a local engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DhError } from '../../src/core/errors.ts';
import { ensureDocker } from '../../src/host/docker-daemon.ts';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-docker-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('ensureDocker', () => {
  it('uses the engine answering on the local socket without starting one', async () => {
    const lines: string[] = [];
    const { docker, dockerHost, started } = await ensureDocker({ dataDir, log: (line) => lines.push(line), env: {} });
    expect(started).toBe(false);
    expect(dockerHost).toBe('unix:///var/run/docker.sock');
    expect(lines).toEqual([]);
    expect((await docker.version()).ApiVersion).toMatch(/^\d+\.\d+$/);
  });

  it('reports a DOCKER_HOST that does not answer instead of starting a local engine', async () => {
    const socket = path.join(dataDir, 'nothing.sock');
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${socket}`; // dockerode reads the variable itself
    let error: DhError | undefined;
    try {
      await ensureDocker({ dataDir, log: () => {}, env: { DOCKER_HOST: `unix://${socket}` } });
    } catch (err) {
      error = err as DhError;
    } finally {
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
    }
    expect(error?.code).toBe('DH_ERR_DOCKER_UNAVAILABLE');
    expect(error?.message).toContain(socket);
  });
});
