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
    if (this.active >= this.limit) await new Promise<void>(resolve => this.waiting.push(resolve));
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

/**
 * Two PKIs at a time per process: WebCrypto key generation and signing run on libuv's thread
 * pool, so a second slot overlaps them, while the JavaScript side (ASN.1 encoding) stays a small
 * share of the event loop.
 */
export const pkiSemaphore = new Semaphore(2);
