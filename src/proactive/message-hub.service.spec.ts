import { ManualClock } from '../../test/support/manual-clock';
import { MessageHub } from './message-hub.service';
import { LocalMessageNotifier, SessionNotice } from './message-notifier.port';

/** The embedded notifier, and a hand on the resync a Redis subscriber asks for when it is back. */
class ReconnectingNotifier extends LocalMessageNotifier {
  resync: (() => void) | undefined;
  override listen(listener: (notice: SessionNotice) => void, resync?: () => void): Promise<void> {
    this.resync = resync;
    return super.listen(listener);
  }
}

describe(MessageHub.name, () => {
  let sut: MessageHub;
  let notifier: LocalMessageNotifier;
  let time: ManualClock;

  beforeEach(async () => {
    time = new ManualClock();
    notifier = new LocalMessageNotifier();
    sut = new MessageHub(notifier, time, time);
    await sut.onModuleInit();
  });
  afterEach(async () => {
    await sut.onModuleDestroy();
  });

  const waiter = (deadline?: number) => ({
    wake: jest.fn(),
    heartbeat: jest.fn(),
    close: jest.fn(),
    expire: jest.fn(),
    sessionEnded: jest.fn(),
    deadline,
  });

  it('wakes the waiters of the notified session only', async () => {
    const mine = waiter();
    const other = waiter();
    sut.attach('s1', mine);
    sut.attach('s2', other);
    await sut.notify('s1');
    expect(mine.wake).toHaveBeenCalledTimes(1);
    expect(other.wake).not.toHaveBeenCalled();
  });

  it('drives heartbeats (every 15 s), fallback re-reads and deadlines with one timer for all waiters', async () => {
    const streams = Array.from({ length: 100 }, () => waiter());
    streams.forEach((stream, i) => sut.attach(`s${i}`, stream));
    const poll = waiter(time.now() + 2000);
    sut.attach('p', poll);
    expect(time.pending).toBe(1);
    await time.advance(14_000);
    expect(streams[0].heartbeat).not.toHaveBeenCalled();
    expect(poll.expire).toHaveBeenCalled();
    await time.advance(1000);
    expect(streams.every((stream) => stream.heartbeat.mock.calls.length === 1)).toBe(true);
    expect(streams[0].wake).not.toHaveBeenCalled(); // the fallback re-read comes every 30 s
    await time.advance(14_000);
    expect(streams[0].wake).not.toHaveBeenCalled();
    await time.advance(1000);
    expect(streams.every((stream) => stream.heartbeat.mock.calls.length === 2)).toBe(true);
    expect(streams.every((stream) => stream.wake.mock.calls.length === 1)).toBe(true);
  });

  it('spreads heartbeats and re-reads: each waiter is served 15 s (and 30 s) after it attached', async () => {
    const early = waiter();
    sut.attach('s1', early);
    await time.advance(7000);
    const late = waiter();
    sut.attach('s2', late);
    await time.advance(8000);
    expect([early.heartbeat.mock.calls.length, late.heartbeat.mock.calls.length]).toEqual([1, 0]);
    await time.advance(7000);
    expect([early.heartbeat.mock.calls.length, late.heartbeat.mock.calls.length]).toEqual([1, 1]);
    await time.advance(8000);
    expect([early.wake.mock.calls.length, late.wake.mock.calls.length]).toEqual([1, 0]);
    await time.advance(7000);
    expect([early.wake.mock.calls.length, late.wake.mock.calls.length]).toEqual([1, 1]);
  });

  it('has every waiter read again at the next tick after the subscriber was away (notices may be lost)', async () => {
    const reconnecting = new ReconnectingNotifier();
    const hub = new MessageHub(reconnecting, time, time);
    await hub.onModuleInit();
    try {
      const streams = [waiter(), waiter(), waiter(time.now() + 30_000)];
      streams.forEach((stream, i) => hub.attach(`s${i}`, stream));
      await time.advance(1000);
      expect(streams.map((stream) => stream.wake.mock.calls.length)).toEqual([0, 0, 0]);
      reconnecting.resync!();
      expect(streams.map((stream) => stream.wake.mock.calls.length)).toEqual([0, 0, 0]);
      await time.advance(1000);
      expect(streams.map((stream) => stream.wake.mock.calls.length)).toEqual([1, 1, 1]);
    } finally {
      await hub.onModuleDestroy();
    }
  });

  it('detaches waiters and closes the rest at shutdown', async () => {
    const gone = waiter();
    const open = waiter();
    const detach = sut.attach('s', gone);
    sut.attach('s', open);
    detach();
    expect(sut.waiterCount).toBe(1);
    await sut.onModuleDestroy();
    expect(open.close).toHaveBeenCalled();
    expect(gone.close).not.toHaveBeenCalled();
    expect(time.pending).toBe(0);
  });

  it.each(['expired', 'evicted', 'memory_pressure', 'client_closed', 'admin_deleted', 'shutdown'] as const)(
    'finishes the waiters of a session that ended (%s), and only theirs',
    async (reason) => {
      const mine = [waiter(), waiter(time.now() + 30_000)];
      const other = waiter();
      mine.forEach((w) => sut.attach('s1', w));
      sut.attach('s2', other);
      await sut.announceEnd({ sessionId: 's1', reason, createdAt: 0, endedAt: 1, turnCount: 0 });
      expect(mine.map((w) => w.sessionEnded.mock.calls.length)).toEqual([1, 1]);
      expect(other.sessionEnded).not.toHaveBeenCalled();
      expect(sut.waiterCount).toBe(1);
    },
  );

  it.each(['client_reset', 'admin_reset'] as const)(
    'keeps the waiters of a session reset (%s): its id lives on',
    async (reason) => {
      const stream = waiter();
      sut.attach('s1', stream);
      await sut.announceEnd({ sessionId: 's1', reason, createdAt: 0, endedAt: 1, turnCount: 0 });
      expect(stream.sessionEnded).not.toHaveBeenCalled();
      expect(sut.waiterCount).toBe(1);
    },
  );
});
