/**
 * Dockhand's error vocabulary. Every error a user can see has a permanent code, an HTTP status and a
 * sentence that says what to do. `docs/errors.md` lists the same table; a test keeps the two in step.
 *
 *   throw new DhError('DH_ERR_CODE_NOT_FOUND', `No code package named "${name}" in this project.`);
 */
export const ERROR_CODES = {
  DH_ERR_VALIDATION: { status: 400, summary: 'A request field is missing or malformed; the details name the field.' },
  DH_ERR_BAD_JSON: { status: 400, summary: 'The request body is not valid JSON.' },
  DH_ERR_BAD_ARCHIVE: { status: 400, summary: 'An uploaded archive holds an entry Dockhand refuses (link, device, absolute or ".." path, NUL, backslash).' },
  DH_ERR_ARCHIVE_TOO_LARGE: { status: 413, summary: 'An uploaded archive exceeds the entry-count, per-file or total unpacked size cap.' },
  DH_ERR_PAYLOAD_TOO_LARGE: { status: 413, summary: 'A payload, config or request body exceeds its size limit.' },
  DH_ERR_UNAUTHORIZED: { status: 401, summary: 'No token, or a token that matches no project.' },
  DH_ERR_FORBIDDEN: { status: 403, summary: 'The token is valid but may not perform this action (e.g. creating projects without an admin token).' },
  DH_ERR_READ_ONLY_TOKEN: { status: 403, summary: 'A read-only token may list and read but not queue, cancel, upload or change anything; use a full project token.' },
  DH_ERR_NOT_FOUND: { status: 404, summary: 'No such route.' },
  DH_ERR_PROJECT_NOT_FOUND: { status: 404, summary: 'The project named in the path is not the project of the token (or does not exist).' },
  DH_ERR_CODE_NOT_FOUND: { status: 404, summary: 'No code package with that name (or id) in this project.' },
  DH_ERR_TASK_NOT_FOUND: { status: 404, summary: 'No task with that id in this project.' },
  DH_ERR_SCHEDULE_NOT_FOUND: { status: 404, summary: 'No schedule with that id in this project.' },
  DH_ERR_SCHEDULE_STATE: { status: 409, summary: 'The schedule\'s status does not allow this (e.g. resuming a cancelled or complete schedule).' },
  DH_ERR_REVISION_NOT_FOUND: { status: 404, summary: 'The code package has no such revision.' },
  DH_ERR_NODE_NOT_FOUND: { status: 404, summary: 'No worker node with that id is on record; `dockhand nodes` lists them.' },
  DH_ERR_STACK_NOT_FOUND: { status: 400, summary: 'The named stack is not defined; `dockhand stacks list` shows the stacks there are.' },
  DH_ERR_STACK_NOT_BUILT: { status: 409, summary: 'The stack is defined but its image is not built on this host; run `dockhand stacks build NAME`.' },
  DH_ERR_STACK_BUILD_FAILED: { status: 500, summary: 'A stack or base image failed to build (or its version check failed); the message ends with the build log.' },
  DH_ERR_IMAGE_NOT_FOUND: { status: 400, summary: 'A custom image named by a code package is not present on the Docker engine.' },
  DH_ERR_IMAGE_UNUSABLE: { status: 400, summary: 'A custom image lacks /bin/sh or tar, which Dockhand needs to hand a task its code and payload.' },
  DH_ERR_CODE_BUILD_FAILED: { status: 400, summary: 'Installing an uploaded package\'s dependencies (or compiling it) failed; the message ends with the build log. The previous revision stays current.' },
  DH_ERR_TASK_FINISHED: { status: 409, summary: 'The task has already finished; finished tasks never change.' },
  DH_ERR_TASK_NOT_FINISHED: { status: 409, summary: 'Only a finished task can be retried.' },
  DH_ERR_CONFLICT: { status: 409, summary: 'The resource changed underneath the request or already exists.' },
  DH_ERR_NODE_ID_IN_USE: { status: 409, summary: 'Another live worker heartbeats under this node id; stop it or start this worker with another --node-id.' },
  DH_ERR_RATE_LIMITED: { status: 429, summary: 'Too many requests for this token; wait for the time in Retry-After.' },
  DH_ERR_CONTAINER_LIMITS: { status: 500, summary: 'The Docker engine dropped an isolation limit on a task container, so Dockhand refused to start it.' },
  DH_ERR_EGRESS: { status: 500, summary: 'The egress policy for network-enabled tasks cannot be put in force on this worker\'s host; the message says what failed.' },
  DH_ERR_STORAGE_FULL: { status: 507, summary: 'The code store\'s disk is full or Redis is at its maxmemory; nothing of the request was stored. Free space or raise maxmemory, then retry.' },
  DH_ERR_DOCKER_UNAVAILABLE: { status: 503, summary: 'The Docker engine does not answer; start dockerd or set DOCKER_HOST.' },
  DH_ERR_REDIS_UNAVAILABLE: { status: 503, summary: 'Redis does not answer; start redis-server or set REDIS_URL.' },
  DH_ERR_API_UNAVAILABLE: { status: 503, summary: 'A worker node could not fetch a code archive from the API; check DOCKHAND_API_URL and that a server runs.' },
  DH_ERR_CONFIG: { status: 500, summary: 'A Dockhand setting (environment variable or file) is invalid; the message names it.' },
  DH_ERR_INTERNAL: { status: 500, summary: 'An unexpected failure inside Dockhand; the server log has the details.' },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DhError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'DhError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isDhError(err: unknown): err is DhError {
  return err instanceof DhError;
}
