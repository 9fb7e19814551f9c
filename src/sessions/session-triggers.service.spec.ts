import { Clock } from '../common/clock';
import { MemorySessionRepository } from './memory-session.repository';
import { CREATED_TRIGGER } from './session.repository';
import { SessionTriggers } from './session-triggers.service';

describe(SessionTriggers.name, () => {
  let now: number;
  const clock: Clock = { now: () => now };
  let repository: MemorySessionRepository;
  let sut: SessionTriggers;

  const createSession = async (id: string) => {
    await repository.create({ id, locale: 'en', metadata: {}, clientIp: null, userAgent: null }, now, 100);
  };

  beforeEach(() => {
    now = Date.UTC(2026, 0, 1, 9);
    repository = new MemorySessionRepository({
      idleTtlMs: 3_600_000,
      keyTtlMs: 7_200_000,
      historyMaxTurns: 200,
      outboxMaxLength: 200,
    });
    sut = new SessionTriggers(repository, clock);
  });

  describe('record', () => {
    it('records a trigger at the clock’s time, pending until cleared', async () => {
      await createSession('s1');
      now += 1000;
      await sut.record('s1', 'poi:gate');
      now += 5000;
      expect(await sut.olderThan(0, 10)).toEqual([
        { sessionId: 's1', trigger: CREATED_TRIGGER, at: now - 6000 },
        { sessionId: 's1', trigger: 'poi:gate', at: now - 5000 },
      ]);
    });
  });

  describe('olderThan', () => {
    it('returns only triggers older than the age, oldest first, at most `limit`', async () => {
      await createSession('s1');
      now += 2000;
      await createSession('s2');
      now += 2000;
      await createSession('s3');
      now += 1000;
      expect((await sut.olderThan(2500, 10)).map((t) => t.sessionId)).toEqual(['s1', 's2']);
      expect((await sut.olderThan(0, 2)).map((t) => t.sessionId)).toEqual(['s1', 's2']);
      expect(await sut.olderThan(10_000, 10)).toEqual([]);
    });
  });

  describe('clear', () => {
    it('clears one trigger of a session and leaves its others', async () => {
      await createSession('s1');
      await sut.record('s1', 'poi:gate');
      await sut.clear('s1', CREATED_TRIGGER);
      now += 1;
      expect(await sut.olderThan(0, 10)).toEqual([{ sessionId: 's1', trigger: 'poi:gate', at: now - 1 }]);
      await sut.clear('s1', 'poi:gate');
      expect(await sut.olderThan(0, 10)).toEqual([]);
    });
  });
});
