import { Logger } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test, TestingModule } from '@nestjs/testing';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive';
import { CLOCK } from '../common/clock';
import { CommonModule } from '../common/common.module';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/load-config';
import { SessionEndedEvent, SessionEvents } from '../domain';
import { SessionModule } from './session.module';
import { SessionService } from './session.service';

const T0 = 1_700_000_000_000;
const IDLE_TTL_MS = 60_000;
const client = { ip: '10.0.0.1', userAgent: 'jest' };
const turn = (role: 'user' | 'assistant', text: string) => ({ role, text, createdAt: T0 });

/** The sessions module as the app wires it in embedded mode: in-process store, file archive, a clock we move. */
async function embeddedSessions(env: Record<string, string> = {}) {
  const dir = await fs.mkdtemp(join(tmpdir(), 'session-service-'));
  const config = loadConfig({
    ARCHIVE_DIR: dir,
    SESSION_IDLE_TTL_SECONDS: String(IDLE_TTL_MS / 1000),
    ...env,
  });
  const clock = { at: T0, now: () => clock.at };
  const moduleRef: TestingModule = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), CommonModule, EventEmitterModule.forRoot(), SessionModule],
  })
    .overrideProvider(CLOCK)
    .useValue(clock)
    .compile();
  moduleRef.useLogger(false); // failures the cases provoke are logged; the output stays readable
  await moduleRef.init();
  const ended: SessionEndedEvent[] = [];
  moduleRef.get(EventEmitter2).on(SessionEvents.ended, (event: SessionEndedEvent) => ended.push(event));
  return {
    sut: moduleRef.get(SessionService),
    archive: moduleRef.get<ArchiveRepository>(ARCHIVE_REPOSITORY),
    clock,
    ended,
    close: async () => {
      await moduleRef.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

describe(SessionService.name, () => {
  let kit: Awaited<ReturnType<typeof embeddedSessions>>;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => kit.close());

  describe('create', () => {
    beforeEach(async () => (kit = await embeddedSessions({ MAX_SESSIONS: '2' })));

    it('creates a live session with the default locale and the client address', async () => {
      const record = await kit.sut.create({}, client);
      expect(record).toMatchObject({ locale: 'zh-CN', clientIp: '10.0.0.1', createdAt: T0, turnCount: 0 });
      expect(await kit.sut.find(record.id)).toMatchObject({ id: record.id });
    });

    it('evicts the least recently active session beyond MAX_SESSIONS and archives it as evicted', async () => {
      const oldest = await kit.sut.create({}, client);
      kit.clock.at += 1;
      const kept = await kit.sut.create({}, client);
      kit.clock.at += 1;
      await kit.sut.create({}, client);
      expect(await kit.sut.find(oldest.id)).toBeNull();
      expect(await kit.sut.find(kept.id)).not.toBeNull();
      expect(await kit.archive.latest(oldest.id)).toMatchObject({ reason: 'evicted' });
      expect(kit.ended).toEqual([expect.objectContaining({ sessionId: oldest.id, reason: 'evicted' })]);
    });
  });

  describe('touch', () => {
    beforeEach(async () => (kit = await embeddedSessions({ SESSION_IP_POLICY: 'reject' })));

    it('refreshes the activity of a live session', async () => {
      const { id } = await kit.sut.create({}, client);
      kit.clock.at += IDLE_TTL_MS - 1;
      expect(await kit.sut.touch(id, client)).toMatchObject({ lastActivityAt: T0 + IDLE_TTL_MS - 1 });
      kit.clock.at += IDLE_TTL_MS - 1; // past the first expiry, within the refreshed one
      expect(await kit.sut.find(id)).not.toBeNull();
    });

    it('answers SESSION_NOT_FOUND for a malformed id, an unknown one and one past its idle TTL', async () => {
      const { id } = await kit.sut.create({}, client);
      await expect(kit.sut.touch('not-a-session', client)).rejects.toMatchObject({
        code: 'SESSION_NOT_FOUND',
      });
      await expect(kit.sut.touch('00000000-0000-4000-8000-000000000000', client)).rejects.toMatchObject({
        code: 'SESSION_NOT_FOUND',
      });
      kit.clock.at += IDLE_TTL_MS + 1;
      await expect(kit.sut.touch(id, client)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    });

    it('rejects another client address under SESSION_IP_POLICY=reject', async () => {
      const { id } = await kit.sut.create({}, client);
      await expect(kit.sut.touch(id, { ...client, ip: '10.0.0.2' })).rejects.toMatchObject({
        code: 'SESSION_IP_MISMATCH',
      });
    });
  });

  describe('appendExchange', () => {
    beforeEach(async () => (kit = await embeddedSessions()));

    it('stores the question and its answer together and returns the stored answer', async () => {
      const { id } = await kit.sut.create({}, client);
      const answer = await kit.sut.appendExchange(id, turn('user', 'q'), turn('assistant', 'a'));
      expect(answer).toMatchObject({ role: 'assistant', text: 'a', seq: 2 });
      expect((await kit.sut.recentTurns(id, 10)).map((t) => t.text)).toEqual(['q', 'a']);
    });

    it('stores one pair per idempotency key: a second call returns the first answer', async () => {
      const { id } = await kit.sut.create({}, client);
      const claim = { key: 'k-1', fingerprint: 'f', token: 't' };
      const first = await kit.sut.appendExchange(id, turn('user', 'q'), turn('assistant', 'a1'), claim);
      const again = await kit.sut.appendExchange(id, turn('user', 'q'), turn('assistant', 'a2'), claim);
      expect(again).toEqual(first);
      expect((await kit.sut.recentTurns(id, 10)).map((t) => t.text)).toEqual(['q', 'a1']);
    });

    it('returns null once the session has ended', async () => {
      const { id } = await kit.sut.create({}, client);
      await kit.sut.destroy(id, 'client_closed');
      expect(await kit.sut.appendExchange(id, turn('user', 'q'), turn('assistant', 'a'))).toBeNull();
    });
  });

  describe('destroy', () => {
    beforeEach(async () => (kit = await embeddedSessions()));

    it('archives the session with its reason and history, then reports its end once', async () => {
      const { id } = await kit.sut.create({}, client);
      await kit.sut.appendExchange(id, turn('user', 'q'), turn('assistant', 'a'));
      kit.clock.at += 5_000;
      expect(await kit.sut.destroy(id, 'client_closed')).toBe(true);
      expect(await kit.sut.destroy(id, 'client_closed')).toBe(false);
      expect(await kit.sut.find(id)).toBeNull();
      expect(await kit.archive.latest(id)).toMatchObject({
        reason: 'client_closed',
        turnCount: 2,
        endedAt: new Date(T0 + 5_000).toISOString(),
      });
      expect(kit.ended).toEqual([expect.objectContaining({ sessionId: id, reason: 'client_closed' })]);
    });

    it('answers false for a malformed id', async () => {
      expect(await kit.sut.destroy('../etc', 'admin_deleted')).toBe(false);
    });
  });

  describe('reset', () => {
    beforeEach(async () => (kit = await embeddedSessions()));

    it('archives the generation, clears the history and keeps the id; a client reset is activity', async () => {
      const { id } = await kit.sut.create({}, client);
      await kit.sut.appendExchange(id, turn('user', 'q'), turn('assistant', 'a'));
      kit.clock.at += 1_000;
      const cleared = await kit.sut.reset(id, 'client_reset');
      expect(cleared).toMatchObject({ id, turnCount: 0, generation: 1, lastActivityAt: T0 + 1_000 });
      expect(await kit.sut.recentTurns(id, 10)).toEqual([]);
      expect(await kit.archive.list(id)).toEqual([
        expect.objectContaining({ generation: 0, reason: 'client_reset', turnCount: 2 }),
      ]);
    });

    it('does not count an admin reset as activity', async () => {
      const { id } = await kit.sut.create({}, client);
      kit.clock.at += 1_000;
      expect(await kit.sut.reset(id, 'admin_reset')).toMatchObject({ lastActivityAt: T0, generation: 1 });
    });

    it('answers SESSION_NOT_FOUND for a session that is gone', async () => {
      const { id } = await kit.sut.create({}, client);
      kit.clock.at += IDLE_TTL_MS + 1;
      await expect(kit.sut.reset(id, 'client_reset')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
    });
  });
});
