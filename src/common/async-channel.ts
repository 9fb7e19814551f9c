/**
 * A queue that callbacks push into and one consumer reads as an async iterable: how a source driven
 * by events (a hub's wake-ups, a timer) becomes a stream. `close()` ends it after what was pushed; the
 * consumer leaving (`return()`) runs `onClose` once.
 */
export class AsyncChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private waiting: (() => void) | null = null;
  /** Called when the consumer has taken the last item pushed (a producer that held back may go on). */
  onEmptied: (() => void) | null = null;

  constructor(private readonly onClose: () => void = () => undefined) {}

  /** Items pushed and not yet taken by the consumer. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.wakeReader();
  }

  close(): void {
    this.closed = true;
    this.wakeReader();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          if (this.items.length === 0) this.onEmptied?.();
          yield item;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.waiting = resolve));
      }
    } finally {
      this.closed = true;
      this.items.length = 0;
      this.onClose();
    }
  }

  private wakeReader(): void {
    const wake = this.waiting;
    this.waiting = null;
    wake?.();
  }
}
