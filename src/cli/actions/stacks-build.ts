/**
 * The work behind `dockhand stacks build`: builds with a progress display on stderr, then a summary
 * table (image, version, own size, time, built or cached) and, when an image failed, the end of its
 * build log.
 */
import { buildStacks, type BuildReport } from '../../stacks/build.ts';
import { BuildProgress } from '../build-progress.ts';
import type { StacksDeps } from './stacks-deps.ts';
import { CliExit, EXIT_CODES, formatBytes, formatDuration, info, printJson, table } from '../output.ts';

export interface BuildCommandOptions {
  parallel: number;
  noCache: boolean;
  json: boolean;
}

export async function buildStacksCommand(deps: StacksDeps, names: string[], options: BuildCommandOptions): Promise<void> {
  const [docker, catalog] = await Promise.all([deps.docker(), deps.catalog()]);
  const started = Date.now();
  const progress = new BuildProgress(process.stderr);
  let report: BuildReport;
  try {
    report = await buildStacks(docker, catalog, names.length > 0 ? names : catalog.names(), {
      parallel: options.parallel,
      noCache: options.noCache,
      onEvent: (event) => progress.event(event),
    });
  } finally {
    progress.done();
  }
  if (options.json) printJson(buildReportJson(report));
  else console.log(buildSummary(report));
  const cached = [...report.bases, ...report.stacks].filter((r) => r.status === 'cached').length;
  info(`${report.ok ? 'done' : 'failed'} in ${formatDuration(Date.now() - started)} (${cached} of ${report.bases.length + report.stacks.length} images cached)`);
  if (!report.ok) throw new CliExit(EXIT_CODES.failed, failures(report));
}

function buildSummary(report: BuildReport): string {
  const rows = [
    ...report.bases.map((b) => ({ image: `base-${b.release}`, version: `debian ${b.release}`, own_size: b.ownSize === undefined ? null : formatBytes(b.ownSize), time: formatDuration(Math.round(b.seconds * 1000)), result: b.status })),
    ...report.stacks.map((s) => ({ image: s.name, version: s.version, own_size: s.ownSize === undefined ? null : formatBytes(s.ownSize), time: formatDuration(Math.round(s.seconds * 1000)), result: s.status })),
  ];
  return table(rows, ['image', 'version', 'own_size', 'time', 'result']);
}

function buildReportJson(report: BuildReport): unknown {
  return {
    ok: report.ok,
    bases: report.bases.map((b) => ({ release: b.release, status: b.status, image: b.ref ?? null, image_id: b.id ?? null, size: b.size ?? null, own_size: b.ownSize ?? null, seconds: b.seconds, error: b.error?.message ?? null })),
    stacks: report.stacks.map((s) => ({ name: s.name, status: s.status, image: s.ref ?? null, image_id: s.id ?? null, version: s.version ?? null, own_size: s.ownSize ?? null, seconds: s.seconds, error: s.error?.message ?? null })),
  };
}

/** Each failure in full (a build failure ends with the end of its build log), then a count. */
function failures(report: BuildReport): string {
  const failed = [...report.bases.map((b) => ({ image: `base-${b.release}`, error: b.error })), ...report.stacks.map((s) => ({ image: s.name, error: s.error }))]
    .filter((f) => f.error !== undefined);
  const count = failed.length;
  const details = failed.map((f) => `--- ${f.image}\n${f.error!.message}`).join('\n');
  return `${details}\n${count} image build${count === 1 ? '' : 's'} failed: ${failed.map((f) => f.image).join(', ')}.`;
}
