/**
 * IronWorker priorities (2 runs first, then 1, then 0) onto BullMQ's (1 is the highest). Every job
 * gets an explicit priority, so arrival order holds within one priority.
 */
import type { Priority } from '../core/limits.ts';

export function bullPriority(priority: Priority): number {
  return 3 - priority;
}

/** BullMQ queue names may not contain ':'; clusters are validated to [a-z0-9_-]. */
export function taskQueueName(cluster: string): string {
  return `tasks-${cluster}`;
}
