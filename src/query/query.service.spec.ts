import { ManualClock } from '../../test/support/manual-clock';
import { loadConfig } from '../config/load-config';
import { GuideModel, GuideRequest } from '../ai/guide-model.port';
import {
  LocationUpdatedEvent,
  ModelUnavailableError,
  QueryAskedEvent,
  QueryEvents,
  SessionEvents,
} from '../domain';
import { OfflineGuideModel } from '../ai/offline-guide.model';
import { MemoryPoiRepository } from '../poi/memory-poi.repository';
import { PoiService } from '../poi/poi.service';
import { embeddedSessions } from '../sessions/embedded-sessions.kit';
import { SessionService } from '../sessions/session.service';
import { QueryDto } from './query.dto';
import { QueryEvent, QueryPipeline } from './query.pipeline';
import { QueryService } from './query.service';

/** A GuideModel that answers in the pieces it is given, or fails, and remembers what it was asked. */
class ScriptedModel implements GuideModel {
  readonly requests: GuideRequest[] = [];
  pieces = ['Hello ', 'visitor'];
  failure: Error | null = null;
  answer(request: GuideRequest): Promise<string> {
    this.requests.push(request);
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(this.pieces.join(''));
  }
  async *answerStream(request: GuideRequest): AsyncIterable<string> {
    this.requests.push(request);
    for (const piece of this.pieces) {
      await Promise.resolve();
      yield piece;
    }
    if (this.failure) throw this.failure;
  }
  compose(): Promise<string> {
    return Promise.resolve('composed');
  }
}

const client = { ip: '203.0.113.7', userAgent: 'spec' };
const MERIDIAN_GATE = { lat: 39.9136, lon: 116.391 };

describe(QueryService.name, () => {
  const config = loadConfig({});
  let clock: ManualClock;
  let sessions: SessionService;
  let pois: PoiService;
  let model: ScriptedModel;
  let sut: QueryService;

  let removeArchive: () => void;
  /** The `query.asked` events emitted, in order. */
  let asked: QueryAskedEvent[];
  /** The `location.updated` events emitted, in order. */
  let located: LocationUpdatedEvent[];

  const build = (guide: GuideModel) => {
    const embedded = embeddedSessions(config, clock);
    sessions = embedded.sessions;
    removeArchive = embedded.remove;
    asked = [];
    embedded.events.on(QueryEvents.asked, (event: QueryAskedEvent) => asked.push(event));
    located = [];
    embedded.events.on(SessionEvents.locationUpdated, (event: LocationUpdatedEvent) => located.push(event));
    return new QueryService(
      new QueryPipeline(embedded.queries, embedded.idempotencyKeys, pois, guide, clock, embedded.events),
    );
  };

  beforeEach(async () => {
    clock = new ManualClock();
    pois = new PoiService(new MemoryPoiRepository(), config);
    await pois.onModuleInit();
    model = new ScriptedModel();
    sut = build(model);
  });
  afterEach(() => removeArchive());

  const query = (fields: Partial<QueryDto>): QueryDto =>
    Object.assign(new QueryDto(), { text: 'Hi', ...fields });
  const collect = async (events: AsyncIterable<QueryEvent>): Promise<QueryEvent[]> => {
    const all: QueryEvent[] = [];
    for await (const event of events) all.push(event);
    return all;
  };

  describe('ask', () => {
    it('creates a session for an unknown id and stores the question and the answer together', async () => {
      const answer = await sut.ask(query({ sessionId: 'not-a-session' }), client);
      expect(answer).toMatchObject({ sessionCreated: true, answer: { seq: 2, text: 'Hello visitor' } });
      const turns = await sessions.recentTurns(answer.sessionId, 10);
      expect(turns.map((turn) => [turn.role, turn.text])).toEqual([
        ['user', 'Hi'],
        ['assistant', 'Hello visitor'],
      ]);
    });

    it('adopts a live session and gives the model its earlier turns', async () => {
      const first = await sut.ask(query({}), client);
      await clock.advance(1000);
      const second = await sut.ask(query({ sessionId: first.sessionId, text: 'And then?' }), client);
      expect(second).toMatchObject({ sessionId: first.sessionId, sessionCreated: false, answer: { seq: 4 } });
      expect(model.requests[1].history).toEqual([
        { role: 'user', text: 'Hi' },
        { role: 'assistant', text: 'Hello visitor' },
      ]);
    });

    it('stores the query location as an explicit step, and uses the last one known when none is given', async () => {
      const first = await sut.ask(query({ location: { ...MERIDIAN_GATE, accuracy: 12 } }), client);
      expect((await sessions.find(first.sessionId))?.lastLat).toBe(MERIDIAN_GATE.lat);
      expect(located).toEqual([{ sessionId: first.sessionId, ...MERIDIAN_GATE, accuracy: 12 }]);
      expect(model.requests[0].nearbyPois.map((poi) => poi.id)).toContain('meridian-gate');
      await sut.ask(query({ sessionId: first.sessionId }), client);
      expect(located).toHaveLength(1); // no new location, no event
      expect(model.requests[1].location).toEqual(MERIDIAN_GATE);
      expect(model.requests[1].nearbyPois.map((poi) => poi.id)).toContain('meridian-gate');
    });

    it('answers AI_UNAVAILABLE naming the session, stores nothing and frees the key for a retry', async () => {
      const { sessionId } = await sut.ask(query({}), client);
      model.failure = new ModelUnavailableError('timeout', { failure: 'timeout' });
      const failed = sut.ask(query({ sessionId, text: 'Again' }), client, 'key-1');
      await expect(failed).rejects.toMatchObject({ code: 'AI_UNAVAILABLE', details: [{ sessionId }] });
      expect((await sessions.find(sessionId))?.turnCount).toBe(2);
      model.failure = null;
      const retried = await sut.ask(query({ sessionId, text: 'Again' }), client, 'key-1');
      expect(retried.answer.seq).toBe(4);
    });

    it('answers a repeat of an Idempotency-Key with the stored answer, without asking the model again', async () => {
      const { sessionId } = await sut.ask(query({}), client);
      const first = await sut.ask(query({ sessionId, text: 'Once' }), client, 'key-2');
      model.pieces = ['something else'];
      const repeat = await sut.ask(query({ sessionId, text: 'Once' }), client, 'key-2');
      expect(repeat.answer).toEqual(first.answer);
      expect(model.requests).toHaveLength(2);
    });

    it('refuses a key reused with another text as CONFLICT', async () => {
      const { sessionId } = await sut.ask(query({}), client);
      await sut.ask(query({ sessionId, text: 'One' }), client, 'key-3');
      await expect(sut.ask(query({ sessionId, text: 'Two' }), client, 'key-3')).rejects.toMatchObject({
        code: 'CONFLICT',
      });
    });

    it('tells query.asked for each query accepted, a failed or replayed one too, never a refused one', async () => {
      const { sessionId } = await sut.ask(query({}), client);
      await sut.ask(query({ sessionId, text: 'Once' }), client, 'key-4');
      await sut.ask(query({ sessionId, text: 'Once' }), client, 'key-4'); // replayed
      await expect(sut.ask(query({ sessionId, text: 'Twice' }), client, 'key-4')).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      model.failure = new ModelUnavailableError('timeout', { failure: 'timeout' });
      await expect(sut.ask(query({ sessionId, text: 'Again' }), client)).rejects.toMatchObject({
        code: 'AI_UNAVAILABLE',
      });
      expect(asked).toEqual(Array.from({ length: 4 }, () => ({ sessionId })));
    });

    it('answers SESSION_NOT_FOUND when the session ends while the model answers', async () => {
      const { sessionId } = await sut.ask(query({}), client);
      model.answer = async () => {
        await sessions.destroy(sessionId, 'client_closed');
        return 'too late';
      };
      await expect(sut.ask(query({ sessionId }), client)).rejects.toMatchObject({
        code: 'SESSION_NOT_FOUND',
      });
      expect(await sessions.find(sessionId)).toBeNull();
    });

    it('answers with the offline guide model too (the same port)', async () => {
      const offline = build(new OfflineGuideModel(pois));
      const answer = await offline.ask(query({ text: 'Tell me about the Meridian Gate' }), client);
      expect(answer.answer.text).toMatch(/Meridian Gate/);
    });
  });

  describe('stream', () => {
    it('yields session, the deltas as the model writes them, then done with the stored answer', async () => {
      const events = await collect(sut.stream(query({}), client, new AbortController().signal));
      expect(events.map((event) => event.kind)).toEqual(['session', 'delta', 'delta', 'done']);
      expect(events.slice(1, 3)).toEqual([
        { kind: 'delta', text: 'Hello ' },
        { kind: 'delta', text: 'visitor' },
      ]);
      const done = events[3] as Extract<QueryEvent, { kind: 'done' }>;
      expect(done.answer.answer).toMatchObject({ seq: 2, text: 'Hello visitor' });
    });

    it('stores nothing and frees the key when the client leaves mid-answer', async () => {
      const { sessionId } = await sut.ask(query({}), client);
      const gone = new AbortController();
      const seen: QueryEvent[] = [];
      for await (const event of sut.stream(
        query({ sessionId, text: 'Long' }),
        client,
        gone.signal,
        'key-4',
      )) {
        seen.push(event);
        if (event.kind === 'delta') gone.abort();
      }
      expect(seen.map((event) => event.kind)).toEqual(['session', 'delta']);
      expect((await sessions.find(sessionId))?.turnCount).toBe(2);
      const retried = await sut.ask(query({ sessionId, text: 'Long' }), client, 'key-4');
      expect(retried.answer.seq).toBe(4);
    });

    it('replays a stored answer as one delta then done', async () => {
      const { sessionId } = await sut.ask(query({}), client);
      const first = await sut.ask(query({ sessionId, text: 'Twice' }), client, 'key-5');
      const events = await collect(
        sut.stream(query({ sessionId, text: 'Twice' }), client, new AbortController().signal, 'key-5'),
      );
      expect(events).toEqual([
        { kind: 'session', sessionId, sessionCreated: false },
        { kind: 'delta', text: first.answer.text },
        { kind: 'done', answer: expect.objectContaining({ answer: first.answer }) },
      ]);
    });

    it('throws a failure after session from the iteration, the pipeline having stored nothing', async () => {
      model.failure = new ModelUnavailableError('provider down');
      const seen: QueryEvent[] = [];
      const run = async () => {
        for await (const event of sut.stream(query({}), client, new AbortController().signal))
          seen.push(event);
      };
      await expect(run()).rejects.toMatchObject({ code: 'AI_UNAVAILABLE' });
      const session = seen[0] as Extract<QueryEvent, { kind: 'session' }>;
      expect((await sessions.find(session.sessionId))?.turnCount).toBe(0);
    });
  });
});
