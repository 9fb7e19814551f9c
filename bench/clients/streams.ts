/**
 * The stream swarm, a process of its own (started by bench/scenarios/streams.ts, fd limit raised):
 * creates sessions, holds one SSE stream open per session from several loopback source addresses,
 * timestamps each broadcast as it arrives, and measures POI messages on waiting long-polls. Commands
 * come over IPC: {id, op, ...}; the answer carries the same id.
 */
import { Agent, ClientRequest, request } from 'node:http';

/** Without a `longpoll_waiting` gauge, how long long-polls get to reach their wait. */
export const SETTLE_MS = 500;
const clock = () => performance.timeOrigin + performance.now();
const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const agents = addresses.map(
  (localAddress) => new Agent({ keepAlive: true, maxSockets: 64, localAddress } as object),
);

interface Stream {
  sessionId: string;
  request?: ClientRequest;
  /** Receive time of each broadcast round seen on this stream. */
  received: Map<number, number>;
}
const streams: Stream[] = [];

function http(
  url: string,
  method: string,
  body: object | undefined,
  slot: number | null,
  agent?: Agent | false,
) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const payload = body ? JSON.stringify(body) : undefined;
    const req = request(url, {
      method,
      agent: agent ?? (slot === null ? undefined : agents[slot % agents.length]),
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

async function create(url: string, count: number) {
  await inParallel(count, 64, async (i) => {
    const { status, text } = await http(`${url}/v1/sessions`, 'POST', {}, i);
    if (status !== 201) throw new Error(`create answered ${status}`);
    streams.push({ sessionId: (JSON.parse(text) as { sessionId: string }).sessionId, received: new Map() });
  });
  return streams.length;
}

function openOne(url: string, stream: Stream, slot: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/sessions/${stream.sessionId}/events`, {
      agent: false,
      localAddress: addresses[slot % addresses.length],
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
  const text = (await http(`${url}/metrics`, 'GET', undefined, null)).text;
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
        async () =>
          JSON.parse((await http(`${url}/v1/sessions`, 'POST', {}, null, false)).text).sessionId as string,
      ),
    );
    const base = await waiting(url);
    const polls = ids.map((id) =>
      http(`${url}/v1/sessions/${id}/messages?wait=30`, 'GET', undefined, null, false).then((r) => ({
        at: clock(),
        r,
      })),
    );
    await untilWaiting(url, base, size);
    const sent = await Promise.all(
      ids.map(async (id) => {
        const t0 = clock();
        await http(`${url}/v1/sessions/${id}/location`, 'POST', at, null, false);
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
    case 'create':
      return create(command.url, command.count!);
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
