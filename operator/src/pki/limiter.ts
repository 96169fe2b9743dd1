// Certificate generation is CPU work on the event loop. A small semaphore keeps a burst of new
// Clusters from generating all their PKIs at once, so other reconciles and watch handling keep
// getting turns between them.
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`semaphore limit must be a positive integer, got ${limit}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }
}

/** One PKI at a time per process: the machine this runs on may have a single core to spare. */
export const pkiSemaphore = new Semaphore(1);
