/**
 * Pass-through streams that count the bytes flowing by and let a check throw once a cap is passed;
 * the throw becomes the stream's error, so a pipeline through it is torn down at that chunk.
 *
 *   await pipeline(upload, uploadCap(limits.maxUploadBytes), createGunzip(), sink);
 */
import { Transform } from 'node:stream';
import { DhError } from '../../core/errors.ts';
import { ARCHIVE_STREAM_HIGH_WATER_MARK } from './archive-format.ts';

export function byteCounter(check: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    highWaterMark: ARCHIVE_STREAM_HIGH_WATER_MARK,
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      try {
        check(total);
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, chunk);
    },
  });
}

/** Refuses an upload (as sent, before any decompression) longer than `maxBytes`. */
export function uploadCap(maxBytes: number): Transform {
  return byteCounter((total) => {
    if (total > maxBytes) {
      throw new DhError(
        'DH_ERR_ARCHIVE_TOO_LARGE',
        `The upload is larger than ${maxBytes} bytes (the archiveMaxUploadBytes cap); ship less code, e.g. leave out dependencies and build output.`,
        { cap: 'archiveMaxUploadBytes', limit: maxBytes },
      );
    }
  });
}
