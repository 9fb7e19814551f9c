import { EventEmitter2 } from '@nestjs/event-emitter';
import { SessionEndedEvent, SessionEvents, SessionsEndedEvent } from '../domain';
import { CLIENT, EmbeddedCleanup, embeddedCleanup, IDLE_TTL_MS } from './embedded-cleanup.kit';
import { restAfter, SWEEP_BATCH, SWEEP_CYCLE_MS, SweepService } from './sweep.service';

describe(SweepService.name, () => {
  let kit: EmbeddedCleanup;
  let sut: SweepService;
  const always = () => Promise.resolve(true);
  beforeEach(async () => {
    kit = await embeddedCleanup();
    sut = kit.moduleRef.get(SweepService);
  });
  afterEach(() => kit.close());

  describe('sweep', () => {
    it('archives and deletes the sessions idle past their TTL, and leaves the others', async () => {
      const idle = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS / 2;
      const active = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS / 2 + 1;

      expect(await sut.sweep(always)).toEqual({ ended: 1, leftovers: 0, failed: 0 });
      expect(await kit.archive.latest(idle.id)).toMatchObject({ reason: 'expired' });
      expect(await kit.archive.latest(active.id)).toBeNull();
      expect(await kit.sessions.find(active.id)).not.toBeNull();
      expect(await sut.sweep(always)).toEqual({ ended: 0, leftovers: 0, failed: 0 });
    });

    it('keeps a session whose archival failed, and archives it on the next sweep', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS + 1;
      await kit.breakArchive(true);
      expect(await sut.sweep(always)).toEqual({ ended: 0, leftovers: 0, failed: 1 });
      expect(await kit.sessions.find(id)).toBeNull(); // ended for clients, though not yet archived

      await kit.breakArchive(false);
      kit.clock.at += 10_000; // past the grace an end in progress elsewhere gets
      expect(await sut.sweep(always)).toEqual({ ended: 1, leftovers: 0, failed: 0 });
      expect(await kit.archive.list(id)).toEqual([expect.objectContaining({ reason: 'expired' })]);
    });

    // A batch is at most SWEEP_BATCH idle ids and as many stuck ending (the index's candidates query).
    const severalBatches = 4 * SWEEP_BATCH + 7;

    it('goes on batch after batch until no due session is left, asking between batches', async () => {
      const ids = [];
      for (let i = 0; i < severalBatches; i++) ids.push((await kit.sessions.create({}, CLIENT)).id);
      kit.clock.at += IDLE_TTL_MS + 1;
      let asked = 0;
      const counting = () => Promise.resolve(++asked > 0);

      expect(await sut.sweep(counting)).toEqual({ ended: severalBatches, leftovers: 0, failed: 0 });
      expect(asked).toBeGreaterThanOrEqual(2);
      const archived = await Promise.all(ids.map((id) => kit.archive.latest(id)));
      expect(archived.every((entry) => entry?.reason === 'expired')).toBe(true);
    });

    it("reports each batch's ends in one sessions.ended event, each end once and none on its own", async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 2 * SWEEP_BATCH + 3; i++) ids.add((await kit.sessions.create({}, CLIENT)).id);
      const withTurns = [...ids][0];
      await kit.sessions.appendExchange(
        withTurns,
        { role: 'user', text: 'hi', createdAt: kit.clock.at },
        { role: 'assistant', text: 'hello', createdAt: kit.clock.at },
      );
      const createdAt = kit.clock.at;
      kit.clock.at += IDLE_TTL_MS + 1;
      const events = kit.moduleRef.get(EventEmitter2);
      const batches: SessionsEndedEvent[] = [];
      const single: SessionEndedEvent[] = [];
      events.on(SessionEvents.endedBatch, (event: SessionsEndedEvent) => batches.push(event));
      events.on(SessionEvents.ended, (event: SessionEndedEvent) => single.push(event));

      expect(await sut.sweep(always)).toEqual({ ended: ids.size, leftovers: 0, failed: 0 });
      expect(single).toEqual([]);
      // One event per batch (a batch is at most twice SWEEP_BATCH ids: see severalBatches).
      expect(batches.length).toBeGreaterThanOrEqual(2);
      expect(batches.every(({ ends }) => ends.length > 0 && ends.length <= 2 * SWEEP_BATCH)).toBe(true);
      const ends = batches.flatMap(({ ends }) => ends);
      expect(ends.map((end) => end.sessionId).sort()).toEqual([...ids].sort());
      expect(ends.every((end) => end.reason === 'expired' && end.createdAt <= createdAt)).toBe(true);
      expect(ends.every((end) => end.endedAt >= createdAt + IDLE_TTL_MS)).toBe(true);
      expect(ends.find((end) => end.sessionId === withTurns)?.turnCount).toBe(2);
    });

    it('after a failed archive, sweeps every stuck and every idle session once, counting each once', async () => {
      const ids: string[] = [];
      for (let i = 0; i < severalBatches; i++) ids.push((await kit.sessions.create({}, CLIENT)).id);
      kit.clock.at += IDLE_TTL_MS + 1;
      await kit.breakArchive(true);
      const first = await sut.sweep(always);
      expect(first.ended).toBe(0);
      // The failed batch and the one marked meanwhile stay ending (more than a batch's worth).
      expect(first.failed).toBeGreaterThan(SWEEP_BATCH);

      await kit.breakArchive(false);
      kit.clock.at += 10_000; // past the grace an end in progress elsewhere gets
      expect(await sut.sweep(always)).toEqual({ ended: severalBatches, leftovers: 0, failed: 0 });
      const archived = await Promise.all(ids.map((id) => kit.archive.list(id)));
      expect(archived.every((entries) => entries.length === 1 && entries[0].reason === 'expired')).toBe(true);
      expect(await sut.sweep(always)).toEqual({ ended: 0, leftovers: 0, failed: 0 });
    });

    it('stops after the batch in progress when told to, and leaves the rest for the next run', async () => {
      for (let i = 0; i < severalBatches; i++) await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS + 1;
      const first = await sut.sweep(() => Promise.resolve(false));
      expect(first.ended).toBeGreaterThanOrEqual(SWEEP_BATCH);
      expect(first.ended).toBeLessThanOrEqual(2 * SWEEP_BATCH);
      const rest = await sut.sweep(always);
      expect(rest).toEqual({ ended: severalBatches - first.ended, leftovers: 0, failed: 0 });
    });
  });
});

describe("the sweep's rest between batches", () => {
  it('is 1.5 times as long as the batch took while the two fit in a cycle', () => {
    expect(restAfter(2)).toBe(3);
    expect(restAfter(6)).toBe(9);
  });

  it('never stretches a batch and its rest past the cycle, and is only a yield after a batch that filled it', () => {
    expect(restAfter(SWEEP_CYCLE_MS - 3)).toBe(3);
    expect(restAfter(SWEEP_CYCLE_MS)).toBe(0);
    expect(restAfter(SWEEP_CYCLE_MS * 4)).toBe(0);
    expect(restAfter(0)).toBe(0);
  });
});
