import { createHook } from 'node:async_hooks';
import { SessionService } from '../src/sessions/session.service';
import { eventually, sleep } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Every timer alive in the process, unref'd ones included (process.getActiveResourcesInfo() lists only
 * those that keep the event loop alive, so an unref'd timer per session would slip past it).
 */
const liveTimers = new Set<number>();
const timerTracking = createHook({
  init: (id, type) => {
    if (type === 'Timeout') liveTimers.add(id);
  },
  destroy: (id) => {
    liveTimers.delete(id);
  },
});

/** Timers, sockets and other handles the process holds, by type (e.g. { Timeout: 3, TCPSocketWrap: 9 }). */
function resourcesByType(): Record<string, number> {
  const counts: Record<string, number> = { 'Timeout (unref included)': liveTimers.size };
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/**
 * The settled figure: per type, the count seen most often over a couple of seconds. A single sample is
 * not enough in either direction: a Redis command in flight holds a timer for a few milliseconds, and the
 * BullMQ worker holds a watchdog timer during its blocking wait that it drops for a moment each time the
 * wait returns (every few seconds, or when a job is added).
 */
async function settledResources(): Promise<Record<string, number>> {
  const samples: Array<Record<string, number>> = [];
  for (let i = 0; i < 21; i++) {
    samples.push(resourcesByType());
    await sleep(100); // sampling over two seconds (the figure is the most frequent), not a wait for an event
  }
  const types = new Set(samples.flatMap((sample) => Object.keys(sample)));
  return Object.fromEntries(
    [...types].sort().map((type) => [type, mostFrequent(samples.map((sample) => sample[type] ?? 0))]),
  );
}

/**
 * A settled figure that the next one confirms: right after start-up the process still holds a timer or
 * two of its own start (seen once on a loaded machine: one unref'd timer more with 10 sessions than with
 * 10,000), so a reading counts once two in a row agree.
 */
async function steadyResources(): Promise<Record<string, number>> {
  let previous = await settledResources();
  for (let attempt = 0; attempt < 10; attempt++) {
    const next = await settledResources();
    if (JSON.stringify(next) === JSON.stringify(previous)) return next;
    previous = next;
  }
  throw new Error(`resources never settled: the last reading was ${JSON.stringify(previous)}`);
}

function mostFrequent(values: number[]): number {
  const frequency = new Map<number, number>();
  for (const value of values) frequency.set(value, (frequency.get(value) ?? 0) + 1);
  return [...frequency].sort(([, a], [, b]) => b - a)[0][0];
}

describe('Proactive work costs nothing per session (e2e, Redis)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    timerTracking.enable();
    // Greetings and tips enabled, far in the future: every session has a pending delayed job.
    sut = await startTestApp({
      env: { PROACTIVE_GREETING_DELAY_SECONDS: '3600', PROACTIVE_IDLE_TIP_SECONDS: '3600' },
    });
  });
  afterAll(async () => {
    timerTracking.disable();
    await sut.close();
  });

  /** Greeting jobs waiting in BullMQ's delayed set (job ids `greet:<session>`, ':' percent-encoded). */
  const delayedGreetings = async () =>
    (
      await sut.redis().client.zrange(`${sut.config.redisKeyPrefix}{bull}:proactive:delayed`, '0', '-1')
    ).filter((jobId) => jobId.startsWith('greet%3A')).length;

  /**
   * Creates sessions 50 at a time (100 in flight once overran the store's command timeout on a loaded
   * machine), and after every 1,000 waits until their greetings are queued, so the greeting jobs (added
   * after each create, off the request path) do not pile up without bound.
   */
  async function createSessions(count: number): Promise<void> {
    const sessions = sut.app.get(SessionService);
    const greetingsBefore = await delayedGreetings();
    for (let done = 0; done < count;) {
      const batch = Math.min(50, count - done);
      await Promise.all(
        Array.from({ length: batch }, () => sessions.create({}, { ip: null, userAgent: null })),
      );
      done += batch;
      if (done % 1000 === 0 || done === count) {
        await eventually(delayedGreetings, (n) => n === greetingsBefore + done, 60_000, 100);
      }
    }
  }

  it('holds the same number of timers and handles with 10 and with 10,000 live sessions', async () => {
    await createSessions(10);
    await eventually(delayedGreetings, (n) => n === 10);
    const withTen = await steadyResources();

    await createSessions(9990);
    await eventually(delayedGreetings, (n) => n === 10_000, 60_000, 200);
    expect(await sut.app.get(SessionService).activeBetween(0, Date.now() + 1, 20_000)).toHaveLength(10_000);
    const withTenThousand = await steadyResources();

    console.log(
      `active resources with 10 live sessions: ${JSON.stringify(withTen)}\n` +
        `active resources with 10,000 live sessions: ${JSON.stringify(withTenThousand)}`,
    );
    expect(withTenThousand).toEqual(withTen);
  }, 120_000);
});
