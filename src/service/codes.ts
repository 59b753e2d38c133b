/**
 * Code package use cases: upload (validate the archive while it streams, store it by sha256, record a
 * revision), read, download and delete. Shared by the native and IronWorker front doors.
 */
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DhError } from '../core/errors.ts';
import type { CodeRevision } from '../core/model.ts';
import type { CodeUpload } from '../core/schemas/code-upload.ts';
import type { TaskStatus } from '../core/task-status.ts';
import { CODE_NAME_PATTERN } from '../core/schemas/task-request.ts';
import { canonicalizeArchive, type DeclaredArchiveFormat } from '../store/archive/canonicalize.ts';
import { exportArchive, type ExportFormat } from '../store/archive/export.ts';
import { preparePackage } from './code-build.ts';
import type { AppContext } from './context.ts';
import type { StoredArchive } from './stored-archive.ts';
import { stopSchedulesOfCode } from './schedules.ts';
import { packageStack } from '../core/package-stack.ts';

export interface UploadedArchive {
  stream: Readable;
  format: DeclaredArchiveFormat;
}

export type { StoredArchive } from './stored-archive.ts';

/** Validates an uploaded archive while it streams and keeps its canonical form in the code store. */
export async function storeArchive(ctx: AppContext, archive: UploadedArchive): Promise<StoredArchive> {
  const canonical = await canonicalizeArchive(archive.stream, archive.format, { tmpDir: ctx.tmpDir, limits: { maxUploadBytes: ctx.settings.DOCKHAND_ARCHIVE_MAX_BYTES } });
  try {
    await ctx.codeStore.put(canonical.path, canonical.sha256);
  } finally {
    await rm(canonical.path, { force: true });
  }
  return { sha256: canonical.sha256, size: canonical.size, fileCount: canonical.fileCount };
}

/** How an IronWorker zip-era package starts (its command is already derived from these). */
export interface CodeOrigin {
  runtime: string;
  file_name: string;
}

/**
 * The checks of a package description that need no archive: the stack exists, the config fits. Run
 * by the upload route as soon as the description arrives, so a bad one is refused before its archive
 * is read, let alone stored; and again by uploadCode.
 */
export function checkCodeUpload(ctx: AppContext, meta: CodeUpload): { stack?: string; config?: string } {
  const stack = packageStack(meta);
  if (stack) ctx.catalog.get(stack);
  const config = meta.config === undefined ? undefined : typeof meta.config === 'string' ? meta.config : JSON.stringify(meta.config);
  const configMax = ctx.settings.DOCKHAND_CONFIG_MAX_BYTES;
  if (config !== undefined && Buffer.byteLength(config) > configMax) {
    throw new DhError('DH_ERR_PAYLOAD_TOO_LARGE', `The config is ${Buffer.byteLength(config)} bytes; the limit is ${configMax} bytes (DOCKHAND_CONFIG_MAX_BYTES).`, { field: 'config', limit: configMax });
  }
  return { ...(stack ? { stack } : {}), ...(config !== undefined ? { config } : {}) };
}

export interface UploadCodeOptions {
  /** Each line of the dependency build's log, when the package is built at upload. */
  onBuildLog?: (line: string) => void;
  /** For zip-era IronWorker packages: the runtime and the file the runner starts. */
  origin?: CodeOrigin;
}

/**
 * Records a new revision of a code package; the archive, if any, is already stored. A package on a
 * stack is first prepared (code-build.ts): the stack image it runs on is recorded, and a package with
 * dependencies is built once, so the revision stores the built package. A failed build records nothing.
 */
export async function uploadCode(ctx: AppContext, projectId: string, meta: CodeUpload, stored?: StoredArchive, options: UploadCodeOptions = {}): Promise<CodeRevision> {
  const { stack, config } = checkCodeUpload(ctx, meta);
  if (!stored && !meta.image) {
    throw new DhError('DH_ERR_VALIDATION', 'A code package on a stack needs its code: send an archive (.tar.gz, .tar or .zip) or a directory.');
  }
  const prepared = stack && stored ? await preparePackage(ctx, { stack, stored, name: meta.name, projectId, ...(options.onBuildLog ? { onLog: options.onBuildLog } : {}) }) : undefined;
  const archive = prepared?.stored ?? stored;
  return ctx.codes.addRevision({
    project_id: projectId,
    name: meta.name,
    ...(stack ? { stack } : {}),
    ...(prepared?.imageId ? { image_id: prepared.imageId } : {}),
    ...(prepared?.build ? { build: prepared.build } : {}),
    ...(meta.image ? { image: meta.image } : {}),
    ...(meta.command ? { command: meta.command } : {}),
    ...(options.origin ? { runtime: options.origin.runtime, file_name: options.origin.file_name } : {}),
    env_vars: meta.env_vars,
    ...(config !== undefined ? { config } : {}),
    max_concurrency: meta.max_concurrency,
    retries: meta.retries,
    retries_delay: meta.retries_delay,
    timeout: meta.timeout,
    memory: meta.memory,
    cpus: meta.cpus,
    network: meta.network,
    ...(meta.egress && meta.egress.length > 0 ? { egress: meta.egress } : {}),
    default_priority: meta.default_priority,
    ...(archive ? { archive_sha256: archive.sha256, archive_size: archive.size, file_count: archive.fileCount } : {}),
  });
}

export async function getCode(ctx: AppContext, projectId: string, nameOrId: string): Promise<CodeRevision> {
  // A name no package can have (":" would reach into another key's namespace, "/" or ".." a path) is simply not found.
  const valid = CODE_NAME_PATTERN.test(nameOrId);
  const code = valid ? ((await ctx.codes.current(projectId, nameOrId)) ?? (await ctx.codes.byId(nameOrId))) : undefined;
  if (!code || code.project_id !== projectId) {
    throw new DhError('DH_ERR_CODE_NOT_FOUND', `No code package named "${nameOrId}" in this project; \`dockhand code list\` shows the packages there are.`);
  }
  return code;
}

export async function codeRevision(ctx: AppContext, projectId: string, nameOrId: string, rev?: number): Promise<CodeRevision> {
  const code = await getCode(ctx, projectId, nameOrId);
  if (rev === undefined || rev === code.rev) return code;
  const revision = await ctx.codes.revision(projectId, code.name, rev);
  if (!revision) throw new DhError('DH_ERR_REVISION_NOT_FOUND', `Code package "${code.name}" has no revision ${rev}; its revisions are 1 to ${code.rev}.`);
  return revision;
}

/**
 * Makes an earlier revision current again as a new revision that copies it: the same archive, built
 * package, image and settings, so nothing is uploaded or rebuilt. Tasks queued after it run that code.
 */
export async function restoreRevision(ctx: AppContext, projectId: string, nameOrId: string, rev: number): Promise<CodeRevision> {
  const { rev: _rev, id: _id, created_at: _created, ...copy } = await codeRevision(ctx, projectId, nameOrId, rev);
  return ctx.codes.addRevision(copy);
}

/**
 * The archive of a revision as the user uploaded it (without Dockhand's internal `task/` prefix), as a
 * .tar.gz or a zip: for a package built at upload, the source, not the built package.
 */
export async function downloadCode(ctx: AppContext, projectId: string, nameOrId: string, rev?: number, format: ExportFormat = 'tar.gz'): Promise<{ revision: CodeRevision; stream: Readable }> {
  const revision = await codeRevision(ctx, projectId, nameOrId, rev);
  const sha256 = revision.build?.source_sha256 ?? revision.archive_sha256;
  if (!sha256) throw new DhError('DH_ERR_NOT_FOUND', `Code package "${revision.name}" runs an image and has no archive to download.`);
  return { revision, stream: exportArchive(await ctx.codeStore.get(sha256), format) };
}

/** Tasks of a code package per status, created within the window (ms) when one is given. */
export async function codeTaskCounts(ctx: AppContext, projectId: string, nameOrId: string, window: { from?: number; to?: number } = {}): Promise<Record<TaskStatus, number>> {
  const code = await getCode(ctx, projectId, nameOrId);
  return ctx.tasks.countByStatus(projectId, { codeName: code.name, ...window });
}

export async function deleteCode(ctx: AppContext, projectId: string, nameOrId: string): Promise<void> {
  const code = await getCode(ctx, projectId, nameOrId);
  await ctx.codes.delete(projectId, code.name);
  // Its schedules could only fail from now on: stop them, saying why (the scheduler also checks).
  await stopSchedulesOfCode(ctx, projectId, code.name);
}
