import { SseClient, SseEvent } from './sse-client';
import { waitFor } from './eventually';

/**
 * An event-stream client that does what a browser's EventSource does when its connection drops: it
 * reconnects with `Last-Event-ID` (the id of the last event it got) until closed.
 */
export class ResumingSse {
  /** Every event of every connection, in arrival order. */
  readonly events: SseEvent[] = [];
  /** Connections opened after the first. */
  reconnects = 0;
  private current: SseClient | null = null;
  private closed = false;
  private watching: Promise<void> = Promise.resolve();

  private constructor(
    private readonly url: string,
    private readonly localAddress?: string,
  ) {}

  static async open(url: string, localAddress?: string): Promise<ResumingSse> {
    const sse = new ResumingSse(url, localAddress);
    sse.current = await sse.connect();
    sse.watching = sse.watch();
    return sse;
  }

  get lastEventId(): string | undefined {
    return this.events.filter((event) => event.id !== undefined).at(-1)?.id;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current?.close();
    await this.watching;
  }

  private async connect(): Promise<SseClient> {
    const lastId = this.lastEventId;
    const client = await SseClient.open(this.url, lastId ? { 'last-event-id': lastId } : {}, {
      localAddress: this.localAddress,
    });
    if (client.response.statusCode !== 200) {
      client.close();
      throw new Error(`event stream answered ${client.response.statusCode}`);
    }
    return client;
  }

  /** Moves events over as they come; when the connection ends, opens the next one. */
  private async watch(): Promise<void> {
    let taken = 0;
    while (!this.closed) {
      const client = this.current!;
      await waitFor(
        'an event, the end of the stream or close()',
        () => this.closed || client.ended || client.events.length > taken,
        { timeoutMs: Number.POSITIVE_INFINITY, intervalMs: 20 },
      );
      if (this.closed) return;
      this.events.push(...client.events.slice(taken));
      taken = client.events.length;
      if (!client.ended) continue;
      try {
        this.current = await this.connect();
        this.reconnects += 1;
        taken = 0;
      } catch {
        // The balancer found no instance yet, or the network dropped: a pause before the next try
        // (pacing, not synchronisation).
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}
