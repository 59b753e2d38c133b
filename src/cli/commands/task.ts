/**
 * `dockhand task ...`: queue a task (optionally waiting for it, its output streamed as it runs and
 * its progress drawn as a bar), and show, list, follow, cancel, retry or trace tasks.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseLabelList } from '../../core/fleet/constraints.ts';
import type { Task } from '../../core/model.ts';
import type { Dockhand, QueueOptions } from '../../sdk/index.ts';
import { clientFor, globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES, formatDuration, info, printJson, table } from '../output.ts';
import { ProgressBar, renderProgressBar } from '../progress-bar.ts';
import { watchWaitReason } from '../wait-notice.ts';
import { renderWaterfall } from '../waterfall.ts';

/** `--payload '{"a":1}'` sends JSON; `--payload @file` sends a file's content; other text is sent as a string. */
export function parsePayload(value: string): unknown {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function number(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new CliExit(EXIT_CODES.usage, `${name} expects a whole number, got "${value}".`);
    return n;
  };
}

export function exitCodeFor(task: Task): number {
  switch (task.status) {
    case 'complete': return EXIT_CODES.ok;
    case 'timeout': return EXIT_CODES.taskTimeout;
    case 'cancelled': return EXIT_CODES.taskCancelled;
    default: return EXIT_CODES.taskError;
  }
}

function summary(task: Task): string {
  const parts = [`task ${task.id} ${task.status}`];
  if (task.duration !== undefined) parts.push(`in ${formatDuration(task.duration)}`);
  if (task.exit_code !== undefined) parts.push(`exit ${task.exit_code}`);
  if (task.msg) parts.push(`- ${task.msg}`);
  return parts.join(' ');
}

async function streamLog(client: Dockhand, id: string, bar?: ProgressBar): Promise<void> {
  const options = bar ? { follow: true, onProgress: (p: { percent: number; msg?: string }) => bar.update(p) } : { follow: true };
  for await (const line of client.tasks.logs(id, options)) {
    const write = (): boolean => (line.stream === 'stdout' ? process.stdout : process.stderr).write(line.data);
    if (bar) bar.aside(write);
    else write();
  }
  bar?.done();
}

/** What commander hands `task queue` (the option names in camelCase, parsed by the functions above). */
interface QueueFlags {
  payload?: string;
  priority?: number;
  timeout?: number;
  delay?: number;
  cluster?: string;
  label?: string;
  constraint: string[];
  retries?: number;
  retriesDelay?: number;
  wait?: boolean;
}

export function registerTaskCommands(program: Command): void {
  const task = program.command('task').description('Queue tasks and follow them.');

  task
    .command('queue')
    .description('Queue a task of a code package.')
    .argument('<code>', 'the code package name')
    .option('--payload <json|@file>', 'the payload: JSON, plain text, or @file to read it from a file')
    .option('--priority <p>', '0, 1 or 2 (2 runs first)', number('--priority'))
    .option('--timeout <s>', 'seconds before the task is killed', number('--timeout'))
    .option('--delay <s>', 'seconds to wait before the task may run', number('--delay'))
    .option('--cluster <name>', 'the cluster whose workers run it', undefined)
    .option('--label <label>', 'a free-form label to find the task by')
    .option('--constraint <key=value>', 'run only on nodes with this label (repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--retries <n>', 'times to retry if it fails (default: the package\'s)', number('--retries'))
    .option('--retries-delay <s>', 'seconds before the first retry, doubling after (default: the package\'s)', number('--retries-delay'))
    .option('--wait', 'wait for the task, print its output and result; exit non-zero unless it completes')
    .addHelpText('after', `\nExit codes with --wait: 0 complete, ${EXIT_CODES.taskError} error, ${EXIT_CODES.taskTimeout} timeout, ${EXIT_CODES.taskCancelled} cancelled, 1 failure to queue.\n\nExample:\n  dockhand task queue hello --payload '{"name":"you"}' --wait\n`)
    .action(async (code: string, options: QueueFlags, command: Command) => {
      const client = clientFor(command);
      const json = globalOptions(command).json;
      const request: QueueOptions = {};
      if (options.payload !== undefined) request.payload = parsePayload(options.payload);
      // Any number is passed on as given: the server answers an out-of-range priority with what to fix.
      if (options.priority !== undefined) request.priority = options.priority as QueueOptions['priority'];
      for (const key of ['timeout', 'delay'] as const) if (options[key] !== undefined) request[key] = options[key];
      if (options.cluster) request.cluster = options.cluster;
      if (options.label) request.label = options.label;
      if (options.constraint.length > 0) request.constraints = parseLabelList(options.constraint, 'constraint');
      if (options.retries !== undefined) request.retries = options.retries;
      if (options.retriesDelay !== undefined) request.retries_delay = options.retriesDelay;
      const queued = await client.tasks.queue(code, request);
      if (!options.wait) {
        if (json) return printJson(queued);
        console.log(queued.id);
        return;
      }
      // Why it has not started, if it cannot: on stderr, so --json output stays one document.
      const bar = json ? undefined : new ProgressBar(process.stderr);
      const notice = watchWaitReason(client, queued.id, (line) => (bar ? bar.aside(() => info(line)) : info(line)));
      let done: Task;
      try {
        if (bar) {
          info(`Queued task ${queued.id}; waiting for it...`);
          await streamLog(client, queued.id, bar);
        }
        done = await client.tasks.wait(queued.id);
      } finally {
        notice.stop();
      }
      if (json) printJson(done);
      else {
        if (done.result !== undefined) console.log(`result: ${JSON.stringify(done.result)}`);
        info(summary(done));
      }
      process.exitCode = exitCodeFor(done);
    });

  task
    .command('show')
    .description('Show a task: status, timings, exit code, result.')
    .argument('<id>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const found = await clientFor(command).tasks.get(id);
      if (globalOptions(command).json) return printJson(found);
      for (const [k, v] of Object.entries(found)) console.log(`${k.padEnd(12)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      if (found.percent !== undefined) console.log(`${'progress'.padEnd(12)} ${renderProgressBar({ percent: found.percent, ...(found.msg !== undefined ? { msg: found.msg } : {}) })}`);
    });

  task
    .command('trace')
    .description('Draw a task\'s trace as a waterfall: every step from the queue call to container removal, to scale.')
    .argument('<id>')
    .addHelpText('after', '\nWith --json: {task_id, trace_id, spans: [{trace_id, span_id, parent_span_id, name, start, end, attributes, status}]} (times in epoch ms).\n')
    .action(async (id: string, _options: unknown, command: Command) => {
      const trace = await clientFor(command).tasks.trace(id);
      if (globalOptions(command).json) return printJson(trace);
      info(`trace ${trace.trace_id} of task ${trace.task_id}: ${trace.spans.length} spans`);
      for (const line of renderWaterfall(trace.spans, { width: process.stdout.columns ?? 120 })) console.log(line);
    });

  task
    .command('list')
    .description('List the newest tasks of the project.')
    .option('--status <s>', 'only tasks in these statuses (comma-separated)')
    .option('--code <name>', 'only tasks of this code package')
    .option('--limit <n>', 'how many (default 30)', number('--limit'))
    .action(async (options: { status?: string; code?: string; limit?: number }, command: Command) => {
      const tasks = await clientFor(command).tasks.list(options);
      if (globalOptions(command).json) return printJson(tasks);
      console.log(table(tasks.map((t) => ({ ...t, duration: formatDuration(t.duration) })), ['id', 'code_name', 'status', 'priority', 'duration', 'created_at']));
    });

  task
    .command('logs')
    .description('Print a task\'s output; with -f, follow it until the task ends.')
    .argument('<id>')
    .option('-f, --follow', 'keep streaming while the task runs')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const client = clientFor(command);
      if (options.follow) return streamLog(client, id);
      process.stdout.write(await client.tasks.log(id));
    });

  task
    .command('cancel')
    .description('Cancel a queued or running task (a running container is killed).')
    .argument('<id>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const cancelled = await clientFor(command).tasks.cancel(id);
      if (globalOptions(command).json) return printJson(cancelled);
      info(`Cancelled task ${cancelled.id}.`);
    });

  task
    .command('retry')
    .description('Queue a finished task again, as a new task whose retry_of names the original.')
    .argument('<id>')
    .option('--delay <s>', 'seconds to wait before it may run', number('--delay'))
    .action(async (id: string, options: { delay?: number }, command: Command) => {
      const retried = await clientFor(command).tasks.retry(id, options);
      if (globalOptions(command).json) return printJson(retried);
      console.log(retried.id);
    });
}
