import { ArchiveSummary } from './archive-page';

/**
 * Where one archived generation's current line is, a digest of it to spot identical re-saves, and its
 * summary for the archive list (a few dozen bytes; the turns stay on disk).
 */
export interface LineLocation {
  file: string;
  offset: number;
  length: number;
  digest: string;
  summary: ArchiveSummary;
}

/**
 * The file archive's index: each session's generations, the newest line of each. It holds an entry for
 * every session ever archived, so it is kept lean: a plain array per session (one generation, or a
 * few), where a Map per session took about 190 B of heap each, a third of the index (a heap profile
 * taken halfway through a sweep of 100,000 sessions).
 */
export class FileArchiveIndex {
  private readonly bySession = new Map<string, LineLocation[]>();

  /** The line of the session's `generation`, when indexed. */
  get(sessionId: string, generation: number): LineLocation | undefined {
    return this.bySession.get(sessionId)?.find((location) => location.summary.generation === generation);
  }

  /** Records `location` as the newest line of its session's generation. */
  set(location: LineLocation): void {
    const { sessionId, generation } = location.summary;
    const generations = this.bySession.get(sessionId);
    if (!generations) {
      this.bySession.set(sessionId, [location]);
      return;
    }
    const at = generations.findIndex((known) => known.summary.generation === generation);
    if (at >= 0) generations[at] = location;
    else generations.push(location);
  }

  /** The session's generations' lines, oldest generation first. */
  generations(sessionId: string): LineLocation[] {
    const generations = this.bySession.get(sessionId) ?? [];
    return [...generations].sort((a, b) => a.summary.generation - b.summary.generation);
  }

  /** Every generation's summary, in no particular order. */
  *summaries(): IterableIterator<ArchiveSummary> {
    for (const generations of this.bySession.values()) {
      for (const location of generations) yield location.summary;
    }
  }
}
