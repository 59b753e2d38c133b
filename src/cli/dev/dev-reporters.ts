/**
 * Draws `dockhand dev` events: for a person, the task's output on stdout and everything else on
 * stderr (the waterfall of each run, its result, how long the save took to show); with --json, one
 * JSON object per event on stdout.
 */
import { formatDuration, info } from '../output.ts';
import { renderWaterfall } from '../waterfall.ts';
import type { DevEvent, DevReporter } from './dev-events.ts';

export function jsonReporter(write: (line: string) => void = (line) => process.stdout.write(line)): DevReporter {
  return (event) => write(`${JSON.stringify(event)}\n`);
}

export function textReporter(width: () => number = () => process.stderr.columns ?? 100): DevReporter {
  return (event: DevEvent) => {
    switch (event.event) {
      case 'watching':
        info(`Watching ${event.dir} as "${event.name}"${event.previous_rev !== undefined ? ` (revision ${event.previous_rev} comes back on Ctrl-C)` : ''}. Ctrl-C to stop.`);
        return;
      case 'change':
        info(`\n● changed: ${event.paths.slice(0, 5).join(', ')}${event.paths.length > 5 ? ` and ${event.paths.length - 5} more` : ''}`);
        return;
      case 'build-log':
        info(`  | ${event.line}`);
        return;
      case 'uploaded':
        info(`  revision ${event.revision.rev} uploaded in ${formatDuration(event.upload_ms)}${event.revision.build ? ` (built with \`${event.revision.build.command}\`)` : ''}`);
        return;
      case 'queued':
        info(`  task ${event.task_id} queued`);
        return;
      case 'log':
        (event.stream === 'stdout' ? process.stdout : process.stderr).write(event.data);
        return;
      case 'cancelling':
        info(`↻ a newer change: cancelling task ${event.task_id} and running the newest code`);
        return;
      case 'finished': {
        const { task } = event;
        if (event.spans.length > 0) for (const line of renderWaterfall(event.spans, { width: width() })) info(line);
        if (task.result !== undefined) info(`result: ${JSON.stringify(task.result)}`);
        const output = event.first_output_ms !== undefined ? `; first output ${formatDuration(event.first_output_ms)} after the save` : '';
        info(`${task.status === 'complete' ? '✓' : '✗'} task ${task.id} ${task.status}${task.duration !== undefined ? ` in ${formatDuration(task.duration)}` : ''}${task.exit_code !== undefined ? `, exit ${task.exit_code}` : ''}${task.msg ? ` - ${task.msg}` : ''}${output}. Watching...`);
        return;
      }
      case 'error':
        info(`✗ ${event.message}\nWatching for the next change...`);
        return;
      case 'stopped':
        info(`Stopped${event.cancelled ? `; cancelled task ${event.cancelled}` : ''}${event.restored_rev !== undefined ? `; the earlier code is current again (revision ${event.restored_rev})` : ''}${event.deleted ? '; removed the package dev created' : ''}${event.kept ? '; the last dev revision stays current (--keep)' : ''}.`);
        return;
    }
  };
}
