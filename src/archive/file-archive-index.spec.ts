import { FileArchiveIndex, LineLocation } from './file-archive-index';

function location(sessionId: string, generation: number, offset: number): LineLocation {
  return {
    file: 'sessions-2026-05-01.jsonl',
    offset,
    length: 10,
    digest: `d${offset}`,
    summary: {
      sessionId,
      generation,
      reason: 'expired',
      createdAt: '2026-05-01T08:00:00.000Z',
      endedAt: '2026-05-01T09:00:00.000Z',
      turnCount: 2,
    },
  };
}

describe(FileArchiveIndex.name, () => {
  it('finds a generation by session and number, and nothing for one not indexed', () => {
    const index = new FileArchiveIndex();
    index.set(location('a', 0, 0));
    index.set(location('b', 0, 11));
    expect(index.get('a', 0)?.offset).toBe(0);
    expect(index.get('b', 0)?.offset).toBe(11);
    expect(index.get('a', 1)).toBeUndefined();
    expect(index.get('c', 0)).toBeUndefined();
  });

  it("keeps the newest line of a generation, and every generation's, oldest first", () => {
    const index = new FileArchiveIndex();
    index.set(location('a', 2, 0));
    index.set(location('a', 0, 11));
    index.set(location('a', 2, 22)); // a newer line of generation 2
    index.set(location('a', 1, 33));
    expect(index.generations('a').map((l) => [l.summary.generation, l.offset])).toEqual([
      [0, 11],
      [1, 33],
      [2, 22],
    ]);
    expect(index.generations('unknown')).toEqual([]);
  });

  it('lists one summary per generation of every session', () => {
    const index = new FileArchiveIndex();
    index.set(location('a', 0, 0));
    index.set(location('a', 0, 11));
    index.set(location('a', 1, 22));
    index.set(location('b', 0, 33));
    const listed = [...index.summaries()].map((s) => `${s.sessionId}:${s.generation}`);
    expect(listed.sort()).toEqual(['a:0', 'a:1', 'b:0']);
  });
});
