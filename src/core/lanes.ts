/**
 * At most `limit` pieces of async work at once; the rest wait their turn in arrival order. Pure.
 *
 *   const lanes = new Lanes(2);
 *   await Promise.all(jobs.map((job) => lanes.run(() => build(job))));
 */
export class Lanes {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`lanes need a whole limit of at least 1, got ${limit}`);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
