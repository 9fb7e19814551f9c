import { FakeOpenAiServer } from './fake-openai.server';
import { until } from './load';
import { SseClient } from './sse-client';
import { Visitor } from './visitor';

/**
 * A streamed query through the balancer at `url` while the fake model writes 8 words 400 ms apart;
 * resolves at the first delta with what was true then: is the model still writing, is `done` there?
 */
export async function firstDeltaOfSlowAnswer(url: string, fake: FakeOpenAiServer, acceptGzip: boolean) {
  fake.chunkDelayMs = 400;
  fake.respond = () => 'one two three four five six seven eight';
  const localAddress = new Visitor(url).address;
  const body = { text: 'tell me slowly' };
  const sse = await SseClient.open(
    `${url}/v1/query/stream`,
    {},
    { method: 'POST', body, localAddress, acceptGzip },
  );
  if (sse.response.statusCode !== 200) throw new Error(`the stream answered ${sse.response.statusCode}`);
  await until('the first delta', () => sse.events.some((event) => event.event === 'delta'), 20_000, 5);
  const atFirstDelta = {
    modelStillWriting: fake.inFlight > 0,
    done: sse.events.some((e) => e.event === 'done'),
  };
  /** The deltas' texts and the `done` event's text, once it has come. */
  const rest = async () => {
    await until('done', () => sse.events.some((event) => event.event === 'done'), 20_000);
    const texts = (name: string) =>
      sse.events
        .filter((event) => event.event === name)
        .map((e) => (JSON.parse(e.data) as { text: string }).text);
    return { deltas: texts('delta'), done: texts('done')[0] };
  };
  return { sse, atFirstDelta, rest };
}
