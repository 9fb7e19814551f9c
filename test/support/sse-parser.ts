export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Server-sent-events framing (the WHATWG rules this service uses): feed text as it arrives, get the
 * complete events and comments back; an unfinished block waits for the next chunk.
 */
export class SseParser {
  private buffer = '';

  feed(chunk: string): { events: SseEvent[]; comments: string[] } {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    const comments: string[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { event: 'message', data: '' };
      const data: string[] = [];
      let isEvent = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        isEvent = true;
        if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
        else if (field === 'data') data.push(value);
      }
      if (isEvent) events.push({ ...event, data: data.join('\n') });
    }
    return { events, comments };
  }
}
