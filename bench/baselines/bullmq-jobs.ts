/**
 * Raw BullMQ baseline, a process of its own: on {id, count, concurrency, redisUrl, prefix} over IPC it
 * adds `count` trivial jobs (addBulk, 1,000 a call) to a fresh queue, runs them with one Worker of that
 * concurrency, and answers with the jobs per second from the first add to the last completion.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

async function run(redisUrl: string, prefix: string, count: number, concurrency: number): Promise<number> {
  const connection = () => new Redis(redisUrl, { maxRetriesPerRequest: null });
  const name = `trivial-${Date.now()}`;
  const queue = new Queue(name, { connection: connection(), prefix });
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker(name, () => Promise.resolve(), {
    connection: connection(),
    prefix,
    concurrency,
    autorun: false,
    removeOnComplete: { count: 0 },
  });
  worker.on('completed', () => ++done === count && finish());
  await worker.waitUntilReady();
  const t0 = performance.now();
  void worker.run();
  for (let i = 0; i < count; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ name: 'trivial', data: { n: i + j } })),
    );
  }
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return count / seconds;
}

process.on(
  'message',
  (m: { id: number; redisUrl: string; prefix: string; count: number; concurrency: number }) => {
    run(m.redisUrl, m.prefix, m.count, m.concurrency).then(
      (result) => process.send?.({ id: m.id, result }),
      (error: unknown) => process.send?.({ id: m.id, error: String(error) }),
    );
  },
);
process.on('disconnect', () => process.exit(0));
