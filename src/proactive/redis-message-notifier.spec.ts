import { waitFor } from '../../test/support/eventually';
import { ManualClock } from '../../test/support/manual-clock';
import { deleteKeysWithPrefix, testPrefix, testStore } from '../../test/support/redis';
import { SessionEndedEvent } from '../domain';
import { RedisStore } from '../store';
import { MessageHub } from './message-hub.service';
import { SessionNotice } from './message-notifier.port';
import { RedisMessageNotifier } from './redis-message-notifier';

describe(RedisMessageNotifier.name, () => {
  let prefix: string;
  let store: RedisStore;
  let notifier: RedisMessageNotifier;
  beforeEach(async () => {
    prefix = testPrefix('notifier');
    store = testStore(prefix);
    await store.waitUntilReady(2000);
    notifier = new RedisMessageNotifier(store);
  });
  afterEach(async () => {
    await notifier.close();
    await deleteKeysWithPrefix(prefix);
    await store.close();
  });

  describe('publishAll', () => {
    it('delivers every notice of a batch, in order, to the listener', async () => {
      const received: SessionNotice[] = [];
      await notifier.listen((notice) => received.push(notice));
      const notices: SessionNotice[] = Array.from({ length: 150 }, (_, i) => ({
        sessionId: `s${i}`,
        kind: i % 3 === 0 ? 'message' : 'ended',
      }));
      await notifier.publishAll(notices);
      await waitFor('every notice', () => received.length >= notices.length);
      expect(received).toEqual(notices);
      await notifier.publishAll([]);
      await notifier.publish({ sessionId: 'last', kind: 'message' });
      await waitFor('the notice sent after an empty batch', () => received.length > notices.length);
      expect(received.slice(notices.length)).toEqual([{ sessionId: 'last', kind: 'message' }]);
    });

    it('sends a run of ended sessions as one message, which an instance reads as one notice each', async () => {
      const received: SessionNotice[] = [];
      await notifier.listen((notice) => received.push(notice));
      const raw = store.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      const messages: string[] = [];
      raw.on('message', (_channel: string, payload: string) => messages.push(payload));
      await raw.subscribe(notifier.channel);
      try {
        const ends: SessionNotice[] = Array.from({ length: 100 }, (_, i) => ({
          sessionId: `e${i}`,
          kind: 'ended',
        }));
        await notifier.publishAll(ends);
        await notifier.publish({ sessionId: 'solo', kind: 'ended' });
        await waitFor('the ends', () => received.length >= 101);
        expect(received).toEqual([...ends, { sessionId: 'solo', kind: 'ended' }]);
        await waitFor('the last raw message', () => messages.includes('ended:solo'));
        expect(messages).toHaveLength(2);
        expect(messages[1]).toBe('ended:solo'); // one end alone: the payload as before
      } finally {
        await raw.quit();
      }
    });
  });

  describe('MessageHub.announceEnds over Redis', () => {
    let time: ManualClock;
    let hub: MessageHub;
    beforeEach(async () => {
      time = new ManualClock();
      hub = new MessageHub(notifier, time, time);
      await hub.onModuleInit();
    });
    afterEach(() => hub.onModuleDestroy());

    const waiter = () => ({ wake: jest.fn(), close: jest.fn(), sessionEnded: jest.fn() });
    const end = (sessionId: string, reason: SessionEndedEvent['reason']): SessionEndedEvent => ({
      sessionId,
      reason,
      createdAt: 0,
      endedAt: 1,
      turnCount: 0,
    });

    it("finishes the waiters of every session a batch ended, and leaves a reset's and the others'", async () => {
      const ended = ['a', 'b', 'c'].map((id) => ({ id, waiter: waiter() }));
      const reset = waiter();
      const other = waiter();
      for (const { id, waiter: w } of ended) hub.attach(id, w);
      hub.attach('r', reset);
      hub.attach('o', other);

      await hub.announceEnds({
        ends: [end('a', 'expired'), end('b', 'expired'), end('r', 'client_reset'), end('c', 'evicted')],
      });
      await waitFor('the ended sessions’ waiters to finish', () =>
        ended.every(({ waiter: w }) => w.sessionEnded.mock.calls.length === 1),
      );
      // A notice sent after the batch has arrived once this one has (one channel, in order).
      await hub.notify('r');
      await waitFor('the notice after the batch', () => reset.wake.mock.calls.length === 1);
      expect(reset.sessionEnded).not.toHaveBeenCalled();
      expect(other.sessionEnded).not.toHaveBeenCalled();
      expect(hub.waiterCount).toBe(2);
    });
  });
});
