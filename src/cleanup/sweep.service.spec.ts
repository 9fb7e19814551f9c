import { CLIENT, EmbeddedCleanup, embeddedCleanup, IDLE_TTL_MS } from './embedded-cleanup.kit';
import { SweepService } from './sweep.service';

describe(SweepService.name, () => {
  let kit: EmbeddedCleanup;
  let sut: SweepService;
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

      expect(await sut.sweep(kit.clock.now() + 10_000)).toEqual({ ended: 1, leftovers: 0, failed: 0 });
      expect(await kit.archive.latest(idle.id)).toMatchObject({ reason: 'expired' });
      expect(await kit.archive.latest(active.id)).toBeNull();
      expect(await kit.sessions.find(active.id)).not.toBeNull();
      expect(await sut.sweep(kit.clock.now() + 10_000)).toEqual({ ended: 0, leftovers: 0, failed: 0 });
    });

    it('keeps a session whose archival failed, and archives it on the next sweep', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS + 1;
      await kit.breakArchive(true);
      expect(await sut.sweep(kit.clock.now() + 10_000)).toEqual({ ended: 0, leftovers: 0, failed: 1 });

      await kit.breakArchive(false);
      kit.clock.at += 10_000; // past the grace an end in progress elsewhere gets
      expect(await sut.sweep(kit.clock.now() + 10_000)).toEqual({ ended: 1, leftovers: 0, failed: 0 });
      expect(await kit.archive.list(id)).toEqual([expect.objectContaining({ reason: 'expired' })]);
    });

    it('does nothing once its deadline has passed', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS + 1;
      expect(await sut.sweep(kit.clock.now())).toEqual({ ended: 0, leftovers: 0, failed: 0 });
      expect(await kit.archive.latest(id)).toBeNull();
    });
  });
});
