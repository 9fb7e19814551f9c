/**
 * Keeps the deltas shown to the visitor consistent across the retries of one streamed answer. After a
 * retry the service sends the answer again from its start (a stored answer as one delta with the whole
 * text, or a fresh model call): only what extends the text already shown is passed on. When the retried
 * text differs from what was shown (a fresh model call that worded it otherwise), no more deltas are
 * passed on, and the final `done` text is the one to show.
 */
export class DeltaJoiner {
  private shown = '';
  private received = '';
  private diverged = false;

  /** A new try of the same answer starts. */
  restart(): void {
    this.received = '';
  }

  /** The part of `delta` not shown yet ('' when nothing new, or after divergence). */
  push(delta: string): string {
    this.received += delta;
    if (this.diverged) return '';
    if (!this.received.startsWith(this.shown)) {
      if (!this.shown.startsWith(this.received)) this.diverged = true;
      return '';
    }
    const fresh = this.received.slice(this.shown.length);
    this.shown = this.received;
    return fresh;
  }

  /** Everything shown so far. */
  get text(): string {
    return this.shown;
  }
}
