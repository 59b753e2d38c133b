/**
 * What `dockhand dev` reports, as data: the session emits these and a reporter draws them, as text for
 * a person or one JSON object per line (`--json`) for a script or a test.
 */
import type { CodeRevision, Task, TraceSpan } from '../../sdk/index.ts';

export type DevEvent =
  | { event: 'watching'; dir: string; name: string; previous_rev?: number }
  | { event: 'change'; paths: string[] }
  | { event: 'build-log'; line: string }
  | { event: 'uploaded'; revision: CodeRevision; upload_ms: number }
  | { event: 'queued'; task_id: string }
  | { event: 'log'; stream: 'stdout' | 'stderr' | 'system'; data: string }
  /** A newer change arrived while this task ran: it is cancelled and the newest code runs next. */
  | { event: 'cancelling'; task_id: string }
  /** `first_output_ms`: from the save to the task's first line of output, when it printed any. */
  | { event: 'finished'; task: Task; spans: TraceSpan[]; save_to_finish_ms: number; first_output_ms?: number }
  /** A failed build, upload or run: shown, and the watch goes on. */
  | { event: 'error'; code: string; message: string }
  | { event: 'stopped'; cancelled?: string; restored_rev?: number; deleted?: boolean; kept: boolean };

export type DevReporter = (event: DevEvent) => void;
