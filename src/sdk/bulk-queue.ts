/**
 * The SDK's bulk queue: any number of tasks sent as requests of at most one server batch each, a few
 * in flight at once, answers kept in the order asked. Each request queues all of its tasks or none;
 * when one fails, the error says how many tasks were queued before it (by the requests that had
 * already been answered) and carries them, so a caller can resume without queueing any twice.
 *
 *   const tasks = await queueInBatches(items, (chunk) => post({ tasks: chunk }), { batchSize: 100, inFlight: 4 });
 */

export interface BulkOptions {
  /** Tasks per request: the server's batch limit (LIMITS.batchMax). */
  batchSize: number;
  /** Requests in flight at once. */
  inFlight: number;
}

/** A bulk queue that stopped part way: `queued` holds what the answered requests queued, in order. */
export class BulkQueueError<T> extends Error {
  constructor(readonly queued: T[], cause: unknown) {
    super(`Queued ${queued.length} task(s) before a request failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'BulkQueueError';
  }
}

/** Splits `items` into consecutive chunks of at most `size`. Pure. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a whole number above 0, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export async function queueInBatches<I, T>(items: readonly I[], send: (chunk: I[]) => Promise<T[]>, options: BulkOptions): Promise<T[]> {
  const chunks = chunksOf(items, options.batchSize);
  const answers: (T[] | undefined)[] = chunks.map(() => undefined);
  let next = 0;
  const failures: { index: number; error: unknown }[] = [];
  const lane = async (): Promise<void> => {
    while (failures.length === 0 && next < chunks.length) {
      const index = next++;
      try {
        answers[index] = await send(chunks[index]!);
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.inFlight, chunks.length) }, lane));
  // The earliest failed request is the one to report; later ones were only in flight beside it.
  const [first] = failures.sort((a, b) => a.index - b.index);
  if (first !== undefined) throw new BulkQueueError(answers.flatMap((a) => a ?? []), first.error);
  return answers.flatMap((a) => a!);
}
