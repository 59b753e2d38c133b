/**
 * Helpers for the adversarial suite (test/security/): upload a hostile script as a code package on the
 * `shell` stack, run it, and check the one thing every case must show besides containment: an
 * ordinary task queued right after the attack still completes promptly, with no container left over.
 *
 *   await uploadScript(fleet, 'bomb', ':(){ :|:& };:', { timeout: 3 });
 *   const { task, log } = await runToEnd(fleet, 'bomb');
 *   await expectFleetStillServes(fleet);
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { expect } from 'vitest';
import type { Task } from '../../src/core/model.ts';
import { Dockhand, type UploadOptions } from '../../src/sdk/index.ts';
import { multipartBody } from '../../src/sdk/multipart.ts';
import type { TestFleet } from './fleet.ts';

/** How long an ordinary task may take from queueing to completion and still count as prompt. */
export const PROMPT_MS = 30_000;

export const ORDINARY_CODE = 'ordinary';

const docker = new Docker();

/** Uploads `script` as the main.sh of a shell-stack package; small limits unless the case asks otherwise. */
export async function uploadScript(target: TestFleet | Dockhand, name: string, script: string, options: Partial<UploadOptions> = {}): Promise<void> {
  const client = target instanceof Dockhand ? target : target.client;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dockhand-sec-'));
  try {
    await writeFile(path.join(dir, 'main.sh'), `#!/bin/bash\n${script}\n`);
    await client.codes.upload(dir, { name, stack: 'shell', timeout: 20, memory: 128, ...options });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The package every "still serves" check runs: it prints a line and returns a result. */
export async function uploadOrdinary(target: TestFleet | Dockhand): Promise<void> {
  await uploadScript(target, ORDINARY_CODE, 'echo "ordinary task ran"\nprintf \'{"ok": true}\' > "$RESULT_FILE"', { timeout: 60, memory: 64 });
}

export async function runToEnd(fleet: TestFleet, code: string, options: { payload?: unknown; timeout?: number; waitMs?: number } = {}): Promise<{ task: Task; log: string }> {
  const queued = await fleet.client.tasks.queue(code, {
    ...(options.payload !== undefined ? { payload: options.payload } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
  });
  const task = await fleet.client.tasks.wait(queued.id, { timeoutMs: options.waitMs ?? 90_000 });
  return { task, log: await fleet.client.tasks.log(task.id) };
}

/**
 * Queues the ordinary task (optionally with another project's client) and expects it to complete
 * within PROMPT_MS with its output and result, then expects no task container of the fleet's
 * projects to be left on the engine.
 */
export async function expectFleetStillServes(fleet: TestFleet, client = fleet.client): Promise<Task> {
  const queuedAt = Date.now();
  const queued = await client.tasks.queue(ORDINARY_CODE, {});
  const task = await client.tasks.wait(queued.id, { timeoutMs: PROMPT_MS });
  expect(task.status, `ordinary task ${task.id} after the attack: ${task.msg ?? ''}`).toBe('complete');
  expect(Date.now() - queuedAt).toBeLessThan(PROMPT_MS);
  expect(task.result).toEqual({ ok: true });
  expect(await client.tasks.log(task.id)).toContain('ordinary task ran');
  return task;
}

/** Waits (briefly) until no container of the given task remains; returns what is left. */
export async function containersOfTask(taskId: string, waitMs = 5_000): Promise<Docker.ContainerInfo[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const left = await docker.listContainers({ all: true, filters: { label: [`dockhand.task=${taskId}`] } });
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function waitForStatus(fleet: TestFleet, taskId: string, status: Task['status'], waitMs = 60_000): Promise<Task> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const task = await fleet.client.tasks.get(taskId);
    if (task.status === status || Date.now() > deadline) return task;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * POSTs a code package to /v1/codes as multipart, the way the SDK streams it, but returns the raw
 * response so a test can look at refusals the SDK would turn into exceptions.
 */
export async function postCodeUpload(fleet: TestFleet, data: Record<string, unknown>, file: { stream: Readable; filename: string }): Promise<Response> {
  const { contentType, body } = multipartBody(data, file);
  return fetch(`${fleet.url}/v1/codes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fleet.token}`, 'content-type': contentType },
    body: Readable.from(body),
    duplex: 'half',
  });
}
