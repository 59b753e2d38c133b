/**
 * `dockhand schedule ...`: create schedules (cron with a time zone, every N seconds, or once), list,
 * show, pause, resume and cancel them, read their firing history, preview a cron expression locally
 * (`next`), and apply a whole definitions file (`apply`).
 */
import { Command, Option } from 'commander';
import type { Schedule } from '../../core/model.ts';
import type { ScheduleOptions } from '../../sdk/index.ts';
import { clientFor, globalOptions } from '../client.ts';
import { CliExit, EXIT_CODES, info, printJson, table } from '../output.ts';
import { applyDefinitionsFile } from './schedule-apply.ts';
import { previewFirings, wallClock } from '../../core/cron/preview.ts';
import { parsePayload } from './task.ts';

function whole(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n)) throw new CliExit(EXIT_CODES.usage, `${name} expects a whole number, got "${value}".`);
    return n;
  };
}

/** How a schedule fires, in one short phrase for tables. */
export function describeTiming(s: Pick<Schedule, 'cron' | 'timezone' | 'every' | 'at'>): string {
  if (s.cron !== undefined) return `cron "${s.cron}" ${s.timezone ?? 'UTC'}`;
  if (s.every !== undefined) return `every ${s.every}s`;
  return `once at ${s.at ?? '?'}`;
}

interface CreateFlags {
  cron?: string;
  tz?: string;
  every?: number;
  at?: string;
  startAt?: string;
  endAt?: string;
  runTimes?: number;
  payload?: string;
  priority?: number;
  timeout?: number;
  cluster?: string;
  label?: string;
  overlap?: 'allow' | 'skip' | 'cancel-previous';
  missed?: string;
  name?: string;
}

function createOptions(flags: CreateFlags): ScheduleOptions {
  const given = [flags.cron, flags.every, flags.at].filter((v) => v !== undefined).length;
  if (given !== 1) throw new CliExit(EXIT_CODES.usage, 'Give exactly one of --cron EXPR, --every SECONDS or --at TIME.');
  if (flags.tz !== undefined && flags.cron === undefined) throw new CliExit(EXIT_CODES.usage, '--tz applies only to --cron.');
  const options: ScheduleOptions = {};
  if (flags.cron !== undefined) options.cron = flags.cron;
  if (flags.tz !== undefined) options.timezone = flags.tz;
  if (flags.every !== undefined) options.every = flags.every;
  if (flags.at !== undefined) options.at = flags.at;
  if (flags.startAt !== undefined) options.start_at = flags.startAt;
  if (flags.endAt !== undefined) options.end_at = flags.endAt;
  if (flags.runTimes !== undefined) options.run_times = flags.runTimes;
  if (flags.payload !== undefined) options.payload = parsePayload(flags.payload);
  if (flags.priority !== undefined) options.priority = flags.priority as 0 | 1 | 2;
  if (flags.timeout !== undefined) options.timeout = flags.timeout;
  if (flags.cluster !== undefined) options.cluster = flags.cluster;
  if (flags.label !== undefined) options.label = flags.label;
  if (flags.overlap !== undefined) options.overlap = flags.overlap;
  if (flags.missed !== undefined) options.missed = flags.missed;
  if (flags.name !== undefined) options.name = flags.name;
  return options;
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('Run code on a schedule: cron with a time zone, every N seconds, or once.');

  schedule
    .command('create')
    .description('Create a schedule: each firing queues an ordinary task of CODE (with SCHEDULE_ID set).')
    .argument('<code>', 'the code package each firing runs')
    .option('--cron <expr>', 'a cron expression: 5 fields, or 6 with seconds first; @daily-style macros')
    .option('--tz <zone>', 'the IANA time zone of --cron (default UTC), e.g. Europe/Berlin')
    .option('--every <s>', 'fire every S seconds (IronWorker run_every; at least 60 unless the operator lowered it)', whole('--every'))
    .option('--at <time>', 'fire once, at this RFC 3339 time')
    .option('--start-at <time>', 'no firing before this time (with --every: the first firing)')
    .option('--end-at <time>', 'no firing after this time; the schedule then completes')
    .option('--run-times <n>', 'complete after creating this many tasks', whole('--run-times'))
    .option('--payload <json|@file>', 'the payload of every task: JSON, plain text, or @file')
    .option('--priority <p>', '0, 1 or 2 (2 runs first)', whole('--priority'))
    .option('--timeout <s>', 'seconds before each task is killed', whole('--timeout'))
    .option('--cluster <name>', 'the cluster whose workers run the tasks')
    .option('--label <label>', 'a free-form label on every task')
    .addOption(new Option('--overlap <policy>', 'when the previous task still runs: fire anyway, skip, or cancel it').choices(['allow', 'skip', 'cancel-previous']))
    .option('--missed <policy>', 'after downtime or a pause: skip, run-once or catch-up:N')
    .option('--name <name>', 'a name, unique in the project (schedule apply matches by it)')
    .addHelpText('after', `
Examples:
  dockhand schedule create report --cron '0 2 * * *' --tz Europe/Berlin --overlap skip --missed run-once
  dockhand schedule create ping --every 300 --run-times 12
  dockhand schedule next '0 2 * * *' --tz Europe/Berlin     # check an expression first
`)
    .action(async (code: string, flags: CreateFlags, command: Command) => {
      const created = await clientFor(command).schedules.create(code, createOptions(flags));
      if (globalOptions(command).json) return printJson(created);
      console.log(created.id);
      info(`Scheduled ${code}: ${describeTiming(created)}; next firing ${created.next_start ?? 'none'}.`);
    });

  schedule
    .command('list')
    .description('List the project\'s schedules, newest first.')
    .option('--status <s>', 'only these statuses (comma-separated): scheduled, paused, complete, cancelled, stopped')
    .option('--code <name>', 'only schedules of this code package')
    .option('--limit <n>', 'how many (default 100)', whole('--limit'))
    .action(async (options: { status?: string; code?: string; limit?: number }, command: Command) => {
      const schedules = await clientFor(command).schedules.list(options);
      if (globalOptions(command).json) return printJson(schedules);
      console.log(table(schedules.map((s) => ({ ...s, when: describeTiming(s), code: s.code_name, runs: s.run_count })), ['id', 'name', 'code', 'when', 'status', 'next_start', 'runs']));
    });

  schedule
    .command('show')
    .description('Show a schedule (by id or name): timing, policies, status, run count, next firing.')
    .argument('<id>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const found = await clientFor(command).schedules.get(id);
      if (globalOptions(command).json) return printJson(found);
      for (const [k, v] of Object.entries(found)) console.log(`${k.padEnd(14)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    });

  for (const [verb, text] of [
    ['pause', 'Pause a schedule; it keeps its id, history and run count.'],
    ['resume', 'Resume a paused (or stopped) schedule; its missed-run policy covers the time it was paused.'],
    ['cancel', 'Cancel a schedule for good; its name becomes free.'],
  ] as const) {
    schedule
      .command(verb)
      .description(text)
      .argument('<id>')
      .action(async (id: string, _options: unknown, command: Command) => {
        const changed = await clientFor(command).schedules[verb](id);
        if (globalOptions(command).json) return printJson(changed);
        info(`Schedule ${changed.id} is ${changed.status}${changed.status === 'scheduled' && changed.next_start ? `; next firing ${changed.next_start}` : ''}.`);
      });
  }

  schedule
    .command('history')
    .description('What became of each occurrence: queued (with its task), skipped (with the reason) or missed.')
    .argument('<id>')
    .option('--limit <n>', 'how many of the newest (default 100, at most 1000)', whole('--limit'))
    .action(async (id: string, options: { limit?: number }, command: Command) => {
      const firings = await clientFor(command).schedules.history(id, options);
      if (globalOptions(command).json) return printJson(firings);
      console.log(table(firings.map((f) => ({ ...f })), ['at', 'outcome', 'task_id', 'reason']));
    });

  schedule
    .command('next')
    .description('Preview the next firing instants of a cron expression (worked out locally; no server needed).')
    .argument('<expr>', 'a cron expression, e.g. "0 2 * * *" or "@hourly"')
    .option('--tz <zone>', 'the IANA time zone (default UTC)')
    .option('-n, --count <n>', 'how many (default 5)', whole('-n'))
    .option('--from <time>', 'start after this RFC 3339 time (default now)')
    .addHelpText('after', '\nPrints each instant in UTC (ISO 8601), then the wall-clock time in the zone.\n')
    .action((expr: string, options: { tz?: string; count?: number; from?: string }, command: Command) => {
      const { zone, instants } = previewFirings(expr, options);
      if (globalOptions(command).json) return printJson(instants.map((i) => i.toISOString()));
      for (const instant of instants) console.log(`${instant.toISOString()}  ${wallClock(instant, zone)}`);
      if (instants.length === 0) info('No firing within the next 9 years.');
    });

  schedule
    .command('apply')
    .description('Make the project\'s named schedules match a definitions file: create, update (with --prune: delete) by name.')
    .requiredOption('-f, --file <file>', 'the YAML definitions file (see examples/schedules.yaml)')
    .option('--prune', 'delete named schedules that the file does not list')
    .option('--dry-run', 'print the plan without changing anything')
    .addHelpText('after', '\nPlan lines: "+ create NAME", "~ update NAME: field old -> new", "- delete NAME".\n--json prints {created, updated, deleted, unchanged} (names).\n')
    .action(async (options: { file: string; prune?: boolean; dryRun?: boolean }, command: Command) => {
      await applyDefinitionsFile(() => clientFor(command), {
        file: options.file,
        prune: options.prune === true,
        dryRun: options.dryRun === true,
        json: globalOptions(command).json === true,
      });
    });
}
