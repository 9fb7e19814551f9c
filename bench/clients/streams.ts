/**
 * The stream swarm, a process of its own (started by bench/scenarios/streams.ts, fd limit raised):
 * takes the sessions it is given, holds one SSE stream open per session from several loopback source addresses,
 * timestamps each broadcast as it arrives, and measures POI messages on waiting long-polls. Commands
 * come over IPC: {id, op, ...}; the answer carries the same id.
 */
import { ClientRequest, request } from 'node:http';
import { sourceAddress } from '../support/addresses';

/** Without a `longpoll_waiting` gauge, how long long-polls get to reach their wait. */
export const SETTLE_MS = 500;
const clock = () => performance.timeOrigin + performance.now();

interface Stream {
  sessionId: string;
  request?: ClientRequest;
  /** Receive time of each broadcast round seen on this stream. */
  received: Map<number, number>;
}
const streams: Stream[] = [];

/** One request on a connection of its own (no pooling: a waiting long-poll must not hold up others). */
function http(url: string, method: string, body?: object) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = request(url, {
      method,
      agent: false,
      headers: payload
        ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
        : {},
    });
    req.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function inParallel(count: number, parallel: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** Sessions seeded by the suite: session i was created from source address i % 8 and streams from it. */
function adopt(ids: string[]) {
  for (const sessionId of ids) streams.push({ sessionId, received: new Map() });
  return streams.length;
}

function openOne(url: string, stream: Stream, slot: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/sessions/${stream.sessionId}/events`, {
      agent: false,
      localAddress: sourceAddress(slot),
      headers: { accept: 'text/event-stream' },
    });
    stream.request = req;
    req.on('response', (response) => {
      if (response.statusCode !== 200) return resolve(false);
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const round = /bench-broadcast (\d+)/.exec(buffer.slice(0, end));
          if (round && !stream.received.has(Number(round[1]))) stream.received.set(Number(round[1]), clock());
          buffer = buffer.slice(end + 2);
        }
      });
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function open(url: string) {
  let opened = 0;
  await inParallel(streams.length, 100, async (i) => void ((await openOne(url, streams[i], i)) && opened++));
  return { opened, failed: streams.length - opened };
}

async function awaitBroadcast(round: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const seen = () => streams.filter((s) => s.received.has(round)).length;
  while (seen() < streams.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return streams.flatMap((s) => (s.received.has(round) ? [s.received.get(round)!] : []));
}

/** The service's `longpoll_waiting` gauge; null when this build does not export it. */
async function waiting(url: string): Promise<number | null> {
  const text = (await http(`${url}/metrics`, 'GET')).text;
  const match = /^longpoll_waiting (\S+)$/m.exec(text);
  return match ? Number(match[1]) : null;
}

/** Until `size` more long-polls wait (by the gauge), or a settle time when there is no gauge. */
async function untilWaiting(url: string, base: number | null, size: number) {
  if (base === null) return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const deadline = Date.now() + 30_000;
  while (((await waiting(url)) ?? 0) < base + size && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
}

/** Long-polls waiting on fresh sessions; then each reports a location inside a POI: report → message. */
async function poi(url: string, probes: number, at: { lat: number; lon: number }, batch: number) {
  const latencies: number[] = [];
  for (let start = 0; start < probes; start += batch) {
    const size = Math.min(batch, probes - start);
    const ids = await Promise.all(
      Array.from(
        { length: size },
        async () => JSON.parse((await http(`${url}/v1/sessions`, 'POST', {})).text).sessionId as string,
      ),
    );
    const base = await waiting(url);
    const polls = ids.map((id) =>
      http(`${url}/v1/sessions/${id}/messages?wait=30`, 'GET').then((r) => ({
        at: clock(),
        r,
      })),
    );
    await untilWaiting(url, base, size);
    const sent = await Promise.all(
      ids.map(async (id) => {
        const t0 = clock();
        await http(`${url}/v1/sessions/${id}/location`, 'POST', at);
        return t0;
      }),
    );
    const answers = await Promise.all(polls);
    answers.forEach(({ at: t1, r }, i) => {
      if (r.status === 200 && r.text.includes('"kind":"poi"')) latencies.push(t1 - sent[i]);
    });
  }
  return latencies;
}

type Command = {
  id: number;
  ids?: string[];
  op: string;
  url: string;
  count?: number;
  round?: number;
  timeoutMs?: number;
  probes?: number;
  at?: { lat: number; lon: number };
  batch?: number;
};

async function handle(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'adopt':
      return adopt(command.ids!);
    case 'open':
      return open(command.url);
    case 'broadcast':
      return awaitBroadcast(command.round!, command.timeoutMs!);
    case 'poi':
      return poi(command.url, command.probes!, command.at!, command.batch!);
    case 'close':
      for (const s of streams) s.request?.destroy();
      return streams.length;
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

process.on('message', (command: Command) => {
  handle(command).then(
    (result) => process.send?.({ id: command.id, result }),
    (error: unknown) => process.send?.({ id: command.id, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
