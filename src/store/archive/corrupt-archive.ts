/**
 * Tells decoding failures (a truncated gzip, a tar header with a bad checksum, a broken zip directory)
 * apart from everything else, and turns them into DH_ERR_BAD_ARCHIVE with a sentence. Each failure is
 * tagged with the stage it first appeared in: a pipeline hands one error object to all its streams, so
 * the first stage to see it is where it came from.
 *
 *   const origins = new ErrorOrigins();
 *   origins.watch(gunzip, 'gzip');
 *   ... catch (err) { throw origins.classify(err, 'tar.gz'); }
 */
import type { EventEmitter } from 'node:events';
import { DhError, isDhError } from '../../core/errors.ts';
import type { ArchiveFormat } from './archive-format.ts';

/** Where a failure came from: a decoder ('gzip', 'tar', 'zip') or elsewhere (the upload, the disk). */
export type FailureStage = 'gzip' | 'tar' | 'zip' | 'upload' | 'output';

const HOW_TO_FIX: Record<ArchiveFormat, string> = {
  'tar.gz': 're-create it with `tar -czf code.tgz -C dir .` and upload it again',
  tar: 're-create it with `tar -cf code.tar -C dir .` and upload it again',
  zip: 're-create it with `zip -r code.zip .` and upload it again',
};

export class ErrorOrigins {
  private readonly stages = new WeakMap<object, FailureStage>();

  /** Remembers `stage` for every error `emitter` emits that no other stage has claimed. */
  watch(emitter: EventEmitter, stage: FailureStage): void {
    emitter.on('error', (err: unknown) => this.tag(err, stage));
  }

  tag(err: unknown, stage: FailureStage): void {
    if (typeof err === 'object' && err !== null && !this.stages.has(err)) this.stages.set(err, stage);
  }

  /** DhErrors pass through; decoder failures become DH_ERR_BAD_ARCHIVE; anything else is returned as is. */
  classify(err: unknown, format: ArchiveFormat): unknown {
    if (isDhError(err)) return err;
    const stage = typeof err === 'object' && err !== null ? this.stages.get(err) : undefined;
    if (stage !== 'gzip' && stage !== 'tar' && stage !== 'zip') return err;
    const reason = err instanceof Error ? err.message : String(err);
    const what = stage === 'gzip' ? 'gzip stream' : stage === 'tar' ? 'tar stream' : 'zip archive';
    return new DhError('DH_ERR_BAD_ARCHIVE', `The upload is not a readable ${what}: it is truncated or corrupt (${reason}); ${HOW_TO_FIX[format]}.`, {
      rule: 'corrupt',
      stage,
      reason,
    });
  }
}
