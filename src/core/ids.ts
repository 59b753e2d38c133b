import { randomBytes } from 'node:crypto';

/**
 * Ids are 24 lowercase hex characters, like IronWorker's: 8 for the creation second (so ids sort by
 * time) and 16 random. Container names embed them, so they must stay short and DNS-safe.
 *
 *   newId() // '6763a1f09c2e4b7d1a0f3e55'
 */
export function newId(nowMs: number = Date.now()): string {
  const seconds = Math.floor(nowMs / 1000).toString(16).padStart(8, '0');
  return seconds + randomBytes(8).toString('hex');
}

export const ID_PATTERN = /^[0-9a-f]{24}$/;

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** A project token: long, random, shown once; only its sha256 is stored. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The deterministic name of the container for one attempt of one task. */
export function containerName(taskId: string, attempt: number): string {
  return `dh-${taskId}-${attempt}`;
}

const CONTAINER_NAME = /^dh-([0-9a-f]{24})-([1-9][0-9]*)$/;

/** The task and attempt a container named by `containerName` runs; undefined for any other name. */
export function parseContainerName(name: string): { taskId: string; attempt: number } | undefined {
  const match = CONTAINER_NAME.exec(name);
  return match ? { taskId: match[1]!, attempt: Number(match[2]) } : undefined;
}
