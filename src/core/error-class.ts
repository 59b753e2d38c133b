/**
 * `error_class` on a task that ended in `error`: a closed set, documented in docs/errors.md ("Task
 * error classes"), in the words IronWorker's clients already show (`Process Exit 1`, `OOM`). A test
 * keeps the two in step. `msg` says the particulars; the class is what a script matches on.
 *
 *   errorClassOfExit(3) // 'Process Exit 3'
 */
export const ERROR_CLASSES = {
  /** The task's command exited with a non-zero code (the class carries the code). */
  'Process Exit N': 'The command exited with a non-zero code N (`exit_code` has it too).',
  OOM: 'The container was killed for going over its memory limit.',
  'Log Limit': 'The container was killed for writing more output than the log cap.',
  'Code Missing': 'The code revision the task was queued for no longer exists.',
  'Image Unavailable': 'The image to run the task on could not be readied on the node (missing, unusable, or failed to build).',
  'Container Limits': 'The Docker engine dropped an isolation limit on the task container, so Dockhand refused to start it.',
  'Runtime Error': 'The container could not be created, started or followed on the node\'s Docker engine.',
} as const;

type Documented = keyof typeof ERROR_CLASSES;
export type ErrorClass = Exclude<Documented, 'Process Exit N'> | `Process Exit ${number}`;

export function errorClassOfExit(exitCode: number): ErrorClass {
  return `Process Exit ${exitCode}`;
}
