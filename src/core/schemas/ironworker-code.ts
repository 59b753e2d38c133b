/**
 * The `data` field of an IronWorker code upload, translated into Dockhand's own code package
 * description so both front doors share one set of rules (CodeUploadSchema checks the result).
 *
 * Three shapes arrive here:
 * - Docker era: `image` + `command` (a local image built FROM Dockhand's base);
 * - zip era, still sent by the official Node client: `runtime` + `file_name`, run as
 *   `<interpreter> <file_name> -d <task dir> -id <task id> -payload <file> -config <file>`;
 * - a Dockhand stack by name, with or without a `command`.
 *
 *   const { upload, origin } = ironCodeUpload({ name: 'hello', runtime: 'sh', file_name: '__runner__.sh' });
 *   upload.command // 'sh __runner__.sh -d "$TASK_DIR" -id "$TASK_ID" -payload "$PAYLOAD_FILE" -config "$CONFIG_FILE"'
 */
import { z } from 'zod';
import { CodeUploadSchema, type CodeUpload } from './code-upload.ts';

/** The interpreters of the zip-era runtimes Dockhand's default stack provides. */
export const IRON_RUNTIMES = { sh: 'sh', node: 'node', python: 'python3' } as const;
export type IronRuntime = keyof typeof IRON_RUNTIMES;

/** A relative path of plain segments: it becomes part of a shell line, so nothing a shell would interpret. */
const RUNNER_FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

const optionalNumber = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]).optional();

/**
 * Lenient on purpose: IronWorker clients send fields Dockhand has no use for (`content_type`, `host`,
 * `sync`...), and those are dropped rather than refused. Everything kept is checked again below.
 */
export const IronCodeDataSchema = z.object({
  name: z.string({ error: 'name is required' }),
  image: z.string().optional(),
  command: z.string().optional(),
  stack: z.string().optional(),
  runtime: z.string().optional(),
  file_name: z.string().optional(),
  config: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  env_vars: z.record(z.string(), z.string()).optional(),
  max_concurrency: optionalNumber,
  retries: optionalNumber,
  retries_delay: optionalNumber,
  default_priority: optionalNumber,
  /** The name the code object uses for default_priority in IronWorker's docs. */
  priority: optionalNumber,
  // Dockhand extras, with the native API's meaning.
  timeout: optionalNumber,
  memory: optionalNumber,
  cpus: optionalNumber,
  network: z.boolean().optional(),
  /** The native API's egress allow-list: a list, or one comma-separated string. */
  egress: z.union([z.string(), z.array(z.string())]).optional(),
});

export type IronCodeData = z.infer<typeof IronCodeDataSchema>;

/** What the zip era recorded about how a package starts, kept so the /2 API can show it back. */
export interface IronCodeOrigin {
  runtime: string;
  file_name: string;
}

export type IronCodeUploadResult =
  | { ok: true; upload: CodeUpload; origin?: IronCodeOrigin }
  | { ok: false; field: string; message: string };

/** The shell line that starts a zip-era package, with the Docker-era variables as its arguments. */
export function runnerCommand(runtime: IronRuntime, fileName: string): string {
  return `${IRON_RUNTIMES[runtime]} ${fileName} -d "$TASK_DIR" -id "$TASK_ID" -payload "$PAYLOAD_FILE" -config "$CONFIG_FILE"`;
}

export function ironCodeUpload(raw: unknown): IronCodeUploadResult {
  const parsed = IronCodeDataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, field: issue.path.join('.') || 'data', message: issue.message };
  }
  const data = parsed.data;
  let command = data.command;
  let origin: IronCodeOrigin | undefined;

  if (data.runtime !== undefined || data.file_name !== undefined) {
    if (data.image !== undefined) return { ok: false, field: 'runtime', message: 'give either image (with command) or runtime with file_name, not both' };
    if (data.runtime === undefined || data.file_name === undefined) {
      return { ok: false, field: data.runtime === undefined ? 'runtime' : 'file_name', message: 'a zip package needs both runtime and file_name' };
    }
    if (!Object.hasOwn(IRON_RUNTIMES, data.runtime)) {
      return { ok: false, field: 'runtime', message: `runtime "${data.runtime}" is not available; use one of ${Object.keys(IRON_RUNTIMES).join(', ')}, or a Docker image with a command` };
    }
    if (!RUNNER_FILE.test(data.file_name)) {
      return { ok: false, field: 'file_name', message: 'file_name must be a relative path of letters, digits, ".", "_" and "-" inside the zip' };
    }
    if (command !== undefined) return { ok: false, field: 'command', message: 'give either command or runtime with file_name, not both' };
    command = runnerCommand(data.runtime as IronRuntime, data.file_name);
    origin = { runtime: data.runtime, file_name: data.file_name };
  }
  if (data.image !== undefined && command === undefined) {
    return { ok: false, field: 'command', message: `an image package needs the command to run in ${data.image}` };
  }

  const priority = data.default_priority ?? data.priority;
  const native = {
    name: data.name,
    ...(data.image !== undefined ? { image: data.image } : {}),
    ...(data.stack !== undefined ? { stack: data.stack } : {}),
    ...(command !== undefined ? { command } : {}),
    ...(data.env_vars !== undefined ? { env_vars: data.env_vars } : {}),
    // IronWorker always handed a worker a config file; an empty one keeps CONFIG_FILE pointing at a file.
    config: data.config ?? '',
    // IronWorker clients send 0 for "no limit".
    ...(data.max_concurrency !== undefined ? { max_concurrency: data.max_concurrency === 0 ? -1 : data.max_concurrency } : {}),
    ...(data.retries !== undefined ? { retries: data.retries } : {}),
    ...(data.retries_delay !== undefined ? { retries_delay: data.retries_delay } : {}),
    ...(priority !== undefined ? { default_priority: priority } : {}),
    ...(data.timeout !== undefined ? { timeout: data.timeout } : {}),
    ...(data.memory !== undefined ? { memory: data.memory } : {}),
    ...(data.cpus !== undefined ? { cpus: data.cpus } : {}),
    ...(data.network !== undefined ? { network: data.network } : {}),
    ...(data.egress !== undefined ? { egress: data.egress } : {}),
  };
  const checked = CodeUploadSchema.safeParse(native);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    return { ok: false, field: issue.path.join('.') || 'data', message: issue.message };
  }
  return origin ? { ok: true, upload: checked.data, origin } : { ok: true, upload: checked.data };
}
