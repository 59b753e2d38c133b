/**
 * Explicit request body limits, derived from the operator's caps, so an oversized request is refused
 * with 413 before it is parsed:
 *   json     any JSON route carrying one payload (a task, a schedule): the payload cap plus room for
 *            the other fields;
 *   taskBatch POST of up to LIMITS.batchMax tasks;
 *   archive  a code upload's file part (DOCKHAND_ARCHIVE_MAX_BYTES, as sent);
 *   uploadField the `data` field of a code upload, which carries the config.
 *
 *   app.post('/v1/tasks', { bodyLimit: bodyLimits(settings).taskBatch }, handler);
 */
import { KiB, LIMITS, MiB } from '../core/limits.ts';
import type { Settings } from '../core/settings.ts';

/** Room for everything in a body besides the payload (or config): names, options, JSON punctuation. */
const ENVELOPE_BYTES = 16 * KiB;

export interface BodyLimits {
  json: number;
  taskBatch: number;
  archive: number;
  uploadField: number;
}

export function bodyLimits(settings: Pick<Settings, 'DOCKHAND_PAYLOAD_MAX_BYTES' | 'DOCKHAND_CONFIG_MAX_BYTES' | 'DOCKHAND_ARCHIVE_MAX_BYTES'>): BodyLimits {
  const json = settings.DOCKHAND_PAYLOAD_MAX_BYTES + ENVELOPE_BYTES;
  return {
    json,
    taskBatch: json * LIMITS.batchMax,
    archive: settings.DOCKHAND_ARCHIVE_MAX_BYTES,
    // A bound on memory, not the config cap: the config cap is checked on the parsed description (a
    // clear 413 naming the config); env_vars (up to 32 KiB each) need room too.
    uploadField: 2 * (settings.DOCKHAND_CONFIG_MAX_BYTES + ENVELOPE_BYTES) + MiB,
  };
}
