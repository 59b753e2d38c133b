/**
 * While `task queue --wait` follows a task that stays queued, asks now and then why it has not started
 * and says so once per distinct reason (no node serves its cluster, none has its memory, its package
 * is paused...), so a wait that cannot end is not a silent one. The server works the reason out.
 *
 *   const notice = watchWaitReason(client, id, (line) => process.stderr.write(`${line}\n`));
 *   ...; notice.stop();
 */
import type { Dockhand } from '../sdk/index.ts';

export function watchWaitReason(client: Dockhand, taskId: string, say: (line: string) => void, everyMs = 3000): { stop(): void } {
  let said: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async (): Promise<void> => {
    const task = await client.tasks.get(taskId).catch(() => undefined);
    if (stopped || !task) return;
    if (task.status !== 'queued') return; // it started (or ended): nothing more to explain
    if (task.wait_reason && task.wait_reason !== said) say(`still queued: ${task.wait_reason}`);
    said = task.wait_reason;
    timer = setTimeout(() => void check(), everyMs);
  };
  timer = setTimeout(() => void check(), Math.min(everyMs, 1000));
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
