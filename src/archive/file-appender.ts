import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** A file not written for this long is closed (the next append opens it again). */
const IDLE_CLOSE_MS = 1000;

interface OpenFile {
  path: string;
  handle: FileHandle;
  dev: number;
  ino: number;
}

/**
 * The file the archive appends to, kept open while writes keep coming (a sweep appends a batch every
 * few milliseconds): each append is a stat of the path and a write, where an append by path is a stat,
 * an open, a write and a close. The stat also says whether the path still names the open file: one
 * deleted or replaced under it (pruned, rotated) is opened again by path, so no line goes to a file
 * that is no longer there. Closed after a second without writes, and by `close`. One writer at a time
 * (the archive serializes its writes).
 */
export class AppendOnlyFile {
  private open: OpenFile | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  /** Appends `text` to the file at `path` (created if missing) → the file's size before it. */
  async append(path: string, text: string): Promise<number> {
    this.stopIdleTimer(); // not closed under a write
    const { file, size } = await this.fileAt(path);
    try {
      const data = Buffer.from(text, 'utf8');
      // Opened for appending: every write lands at the end, whatever was written there meanwhile.
      for (let written = 0; written < data.length;) {
        written += (await file.handle.write(data, written, data.length - written)).bytesWritten;
      }
      this.closeWhenIdle();
      return size;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    this.stopIdleTimer();
    const open = this.open;
    this.open = null;
    await open?.handle.close().catch(() => undefined);
  }

  /** The open file and its size when `path` still names it; else the file at `path`, opened now. */
  private async fileAt(path: string): Promise<{ file: OpenFile; size: number }> {
    if (this.open?.path === path) {
      const named = await fs.stat(path).catch(() => null);
      if (named && named.ino === this.open.ino && named.dev === this.open.dev) {
        return { file: this.open, size: named.size };
      }
    }
    await this.close();
    const handle = await fs.open(path, 'a');
    try {
      const { dev, ino, size } = await handle.stat();
      this.open = { path, handle, dev, ino };
      return { file: this.open, size };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  private closeWhenIdle(): void {
    this.idleTimer = setTimeout(() => void this.close(), IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
