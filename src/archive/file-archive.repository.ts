import { hash } from 'node:crypto';
import { createReadStream, constants as fsConstants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Clock, systemClock } from '../common/clock';
import { mapInSlices } from '../common/in-slices';
import { ArchiveRepository, ArchivedSession } from './archive.repository';
import { parseArchiveLine, toArchiveLine } from './archive-line';
import { AppendOnlyFile } from './file-appender';
import { FileArchiveIndex, LineLocation } from './file-archive-index';
import {
  ArchivePage,
  ArchivePosition,
  ArchiveSummary,
  compareRecentFirst,
  toArchiveSummary,
} from './archive-page';

export interface FileArchiveOptions {
  dir: string;
  /** Picks the day file a line goes to. */
  clock?: Clock;
}

const DAY_FILE = /^sessions-\d{4}-\d{2}-\d{2}\.jsonl$/;

/**
 * The file archive: one JSON object per line in `sessions-YYYY-MM-DD.jsonl` (UTC day of writing).
 * Files are append-only; re-saving a generation appends a newer line, and the last line of a key wins.
 * Meant for one process per directory: another writer's lines are seen only after a re-scan.
 */
export class FileArchiveRepository implements ArchiveRepository {
  private readonly logger = new Logger('FileArchive');
  private readonly dir: string;
  private readonly clock: Clock;
  private index: Promise<FileArchiveIndex> | null = null;
  /** Writes (and index rebuilds) run one at a time, so lines never interleave and the index stays exact. */
  private writes: Promise<unknown> = Promise.resolve();
  /** Files whose last line was torn (a crash mid-write); the next line must not be glued onto it. */
  private readonly unterminated = new Set<string>();
  /** The day file being written, kept open between a sweep's batches. */
  private readonly dayFile = new AppendOnlyFile();

  constructor(options: FileArchiveOptions) {
    this.dir = options.dir;
    this.clock = options.clock ?? systemClock;
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
  }

  save(entry: ArchivedSession): Promise<void> {
    return this.serialized(() => this.append([entry]));
  }

  appendBatch(entries: readonly ArchivedSession[]): Promise<void> {
    return this.serialized(() => this.append(entries));
  }

  async latest(sessionId: string): Promise<ArchivedSession | null> {
    const entries = await this.list(sessionId);
    return entries.length === 0 ? null : entries[entries.length - 1];
  }

  async list(sessionId: string): Promise<ArchivedSession[]> {
    const found = await this.readAll(sessionId);
    if (found !== null) return found;
    // A file changed under us (pruned, edited, another writer): re-scan once and read again.
    await this.serialized(async () => void (await this.rebuildIndex()));
    const rescanned = await this.readAll(sessionId);
    if (rescanned === null) throw new Error(`archive files in ${this.dir} changed while being read`);
    return rescanned;
  }

  /** Sorts the index's summaries: fine for the archive of one process; PostgreSQL serves large ones. */
  async recent(limit: number, after: ArchivePosition | null): Promise<ArchivePage> {
    const all: ArchiveSummary[] = [...(await this.loadIndex()).summaries()];
    const sorted = all
      .sort(compareRecentFirst)
      .filter((entry) => after === null || compareRecentFirst(after, entry) < 0);
    const entries = sorted.slice(0, limit).map(toArchiveSummary);
    const last = entries.at(-1);
    return { entries, next: sorted.length > limit && last ? last : null };
  }

  async ping(): Promise<void> {
    await fs.access(this.dir, fsConstants.W_OK);
  }

  async close(): Promise<void> {
    await this.writes.catch(() => undefined);
    await this.dayFile.close();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writes.then(work, work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  /**
   * One append for all of `entries` not already stored byte for byte; then the index learns them. The
   * lines are built in slices (a sweep's batch is a hundred), yielding between them, so that requests
   * never wait behind a whole batch's encoding.
   */
  private async append(entries: readonly ArchivedSession[]): Promise<void> {
    const index = await this.loadIndex();
    const latestOfEach = new Map(entries.map((entry) => [`${entry.generation}:${entry.sessionId}`, entry]));
    const encoded = await mapInSlices([...latestOfEach.values()], (entry) => {
      const text = toArchiveLine(entry);
      return { entry, text, digest: digestOf(text) };
    });
    const lines = encoded.filter(
      ({ entry, digest }) => index.get(entry.sessionId, entry.generation)?.digest !== digest,
    );
    if (lines.length === 0) return;

    const file = `sessions-${new Date(this.clock.now()).toISOString().slice(0, 10)}.jsonl`;
    const path = join(this.dir, file);
    const separator = this.unterminated.has(file) ? '\n' : '';
    const size = await this.dayFile.append(path, `${separator}${lines.map(({ text }) => text).join('\n')}\n`);
    this.unterminated.delete(file);
    let offset = size + separator.length;
    for (const { entry, text, digest } of lines) {
      const length = Buffer.byteLength(text);
      index.set({ file, offset, length, digest, summary: toArchiveSummary(entry) });
      offset += length + 1;
    }
  }

  /** Every generation, oldest first; null when a location no longer holds its line. */
  private async readAll(sessionId: string): Promise<ArchivedSession[] | null> {
    const entries: ArchivedSession[] = [];
    for (const location of (await this.loadIndex()).generations(sessionId)) {
      const entry = await this.readLine(location);
      if (entry?.sessionId !== sessionId || entry.generation !== location.summary.generation) return null;
      entries.push(entry);
    }
    return entries;
  }

  private async readLine(location: LineLocation): Promise<ArchivedSession | null> {
    const handle = await fs.open(join(this.dir, location.file), 'r').catch(ignoreMissing(null));
    if (!handle) return null;
    try {
      const bytes = Buffer.alloc(location.length);
      const { bytesRead } = await handle.read(bytes, 0, location.length, location.offset);
      if (bytesRead !== location.length || digestOf(bytes) !== location.digest) return null;
      return parseArchiveLine(bytes.toString('utf8'));
    } finally {
      await handle.close();
    }
  }

  private loadIndex(): Promise<FileArchiveIndex> {
    if (!this.index) {
      this.index = this.scan();
      // A failed scan (unreadable dir) is retried by the next call rather than remembered.
      this.index.catch(() => (this.index = null));
    }
    return this.index;
  }

  private rebuildIndex(): Promise<FileArchiveIndex> {
    this.index = null;
    this.unterminated.clear();
    return this.loadIndex();
  }

  private async scan(): Promise<FileArchiveIndex> {
    const index = new FileArchiveIndex();
    const files = (await fs.readdir(this.dir).catch(ignoreMissing([] as string[]))).filter((f) =>
      DAY_FILE.test(f),
    );
    let skipped = 0;
    // Day names sort chronologically, and lines within a file are in write order: later wins.
    for (const file of files.sort()) {
      for await (const { offset, bytes, terminated } of readLines(join(this.dir, file))) {
        const entry = parseArchiveLine(bytes.toString('utf8'));
        if (!terminated) this.unterminated.add(file);
        if (!entry) {
          if (bytes.length > 0) skipped++;
          continue;
        }
        index.set({
          file,
          offset,
          length: bytes.length,
          digest: digestOf(bytes),
          summary: toArchiveSummary(entry),
        });
      }
    }
    if (skipped > 0) this.logger.warn(`skipped ${skipped} unreadable line(s) in ${this.dir}`);
    return index;
  }
}

/** A line's digest: of its bytes as read back, or of its text as written (the same: UTF-8 both ways). */
function digestOf(line: Buffer | string): string {
  return hash('sha1', line, 'base64');
}

function ignoreMissing<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  };
}

/** The file's lines as raw bytes with their byte offsets; UTF-8 never uses 0x0a inside a character. */
async function* readLines(
  path: string,
): AsyncGenerator<{ offset: number; bytes: Buffer; terminated: boolean }> {
  let carry: Buffer = Buffer.alloc(0);
  let carryOffset = 0;
  for await (const chunk of createReadStream(path)) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let end = data.indexOf(0x0a, start); end !== -1; end = data.indexOf(0x0a, start)) {
      yield { offset: carryOffset + start, bytes: data.subarray(start, end), terminated: true };
      start = end + 1;
    }
    carry = data.subarray(start);
    carryOffset += start;
  }
  if (carry.length > 0) yield { offset: carryOffset, bytes: carry, terminated: false };
}
