import { createParser, type EventSourceMessage } from 'eventsource-parser';

export type { EventSourceMessage };

/**
 * The events of a `text/event-stream` body as they arrive, parsed by eventsource-parser over fetch's
 * streaming body (so it runs in Node 20 and browsers alike, and can send headers such as
 * `Last-Event-ID`, which the browser's EventSource cannot). Comments (heartbeats) are skipped. Leaving
 * the loop early cancels the body, which closes the connection.
 */
export async function* serverSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<EventSourceMessage> {
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => ready.push(event) });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (ready.length > 0) yield ready.shift() as EventSourceMessage;
    }
    finished = true;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Whether this runtime's fetch gave a readable streaming body for the response. */
export function isStreamingBody(body: unknown): body is ReadableStream<Uint8Array> {
  return (
    typeof body === 'object' && body !== null && typeof (body as ReadableStream).getReader === 'function'
  );
}
