import { Logger } from '@nestjs/common';
import { FakeOpenAiServer } from '../../test/support/fake-openai.server';
import { GuideRequest } from './guide-model.port';
import { ModelUnavailableError } from '../domain';
import { OpenAiGuideModel, OpenAiGuideSettings } from './openai-guide.model';

const API_KEY = 'sk-test-0123456789abcdef';

const request = (overrides: Partial<GuideRequest> = {}): GuideRequest => ({
  locale: 'en-US',
  history: [],
  text: 'What is this hall?',
  nearbyPois: [],
  ...overrides,
});

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const waitUntil = async (condition: () => boolean, timeoutMs = 2000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return condition();
};

describe(OpenAiGuideModel.name, () => {
  let fake: FakeOpenAiServer;
  let logs: string[];

  const create = (settings: Partial<OpenAiGuideSettings> = {}) =>
    new OpenAiGuideModel({
      apiKey: API_KEY,
      baseUrl: fake.baseUrl,
      model: 'gpt-test',
      timeoutMs: 5000,
      ...settings,
    });

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
    logs = [];
    const record = (message: unknown) => void logs.push(String(message));
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(record);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(record);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(record);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('answer', () => {
    it("returns the model's answer", async () => {
      fake.respond = () => 'It is the Hall of Supreme Harmony.';
      await expect(create().answer(request())).resolves.toBe('It is the Hall of Supreme Harmony.');
    });

    it('sends the model, the key, system + history + user messages in the wire format', async () => {
      await create().answer(
        request({
          history: [
            { role: 'user', text: 'Hi' },
            { role: 'proactive', text: 'Welcome to the palace' },
          ],
          text: 'What is this?',
          image: 'data:image/png;base64,iVBORw0KGgo=',
        }),
      );
      const [body] = fake.requests;
      expect(body.model).toBe('gpt-test');
      expect(body.stream).toBeFalsy();
      expect(fake.headers[0].authorization).toBe(`Bearer ${API_KEY}`);
      expect(body.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
      expect(body.messages[3].content).toEqual([
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ]);
    });

    it('turns a provider failure into ModelUnavailableError after the retries', async () => {
      fake.fail(true);
      await expect(create({ maxRetries: 2 }).answer(request())).rejects.toBeInstanceOf(ModelUnavailableError);
      expect(fake.requests).toHaveLength(3);
    });

    it('turns an empty answer into ModelUnavailableError', async () => {
      fake.respond = () => '';
      await expect(create().answer(request())).rejects.toBeInstanceOf(ModelUnavailableError);
    });

    it('gives up after the timeout', async () => {
      fake.fail('hang');
      const started = Date.now();
      await expect(create({ timeoutMs: 300, maxRetries: 0 }).answer(request())).rejects.toThrow(
        /within 300 ms|timed out/,
      );
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await waitUntil(() => fake.inFlight === 0)).toBe(true);
    });

    it('aborts the HTTP call when the request signal aborts', async () => {
      fake.setDelay(10_000);
      const controller = new AbortController();
      const answer = create().answer(request({ signal: controller.signal }));
      await fake.waitForRequests(1);
      expect(fake.inFlight).toBe(1);
      controller.abort();
      await expect(answer).rejects.toThrow(/aborted by the client/);
      expect(await waitUntil(() => fake.inFlight === 0)).toBe(true);
    });

    it('never logs the key or image data', async () => {
      fake.fail(true);
      await create({ maxRetries: 0 })
        .answer(request({ image: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg' }))
        .catch(() => undefined);
      expect(logs.join('\n')).not.toContain(API_KEY);
      expect(logs.join('\n')).not.toContain('iVBORw0KGgo');
      expect(logs.some((line) => line.includes('HTTP 500'))).toBe(true);
    });
  });

  describe('circuit breaker', () => {
    it('fails fast without calling the provider once it has failed repeatedly, and recovers', async () => {
      const sut = create({ maxRetries: 0, breakerThreshold: 3, halfOpenAfterMs: 200 });
      fake.fail(true);
      for (let i = 0; i < 3; i++)
        await expect(sut.answer(request())).rejects.toBeInstanceOf(ModelUnavailableError);
      expect(fake.requests).toHaveLength(3);

      await expect(sut.answer(request())).rejects.toThrow(/circuit open/);
      expect(fake.requests).toHaveLength(3);

      fake.fail(false);
      await new Promise((resolve) => setTimeout(resolve, 250));
      await expect(sut.answer(request({ text: 'back?' }))).resolves.toBe('echo: back?');
    });

    it('does not count client aborts as provider failures', async () => {
      const sut = create({ breakerThreshold: 2 });
      fake.setDelay(5000);
      for (let i = 0; i < 3; i++) {
        const controller = new AbortController();
        const answer = sut.answer(request({ signal: controller.signal }));
        await fake.waitForRequests(i + 1);
        controller.abort();
        await expect(answer).rejects.toBeInstanceOf(ModelUnavailableError);
      }
      fake.setDelay(0);
      await expect(sut.answer(request({ text: 'still closed' }))).resolves.toBe('echo: still closed');
    });
  });

  describe('answerStream', () => {
    it('yields the deltas of a streamed answer', async () => {
      fake.respond = () => 'The hall was built in 1420.';
      const chunks = await collect(create().answerStream(request()));
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.join('')).toBe('The hall was built in 1420.');
      expect(fake.requests[0].stream).toBe(true);
      expect(fake.requests[0].messages[0].role).toBe('system');
    });

    it('turns a failure into ModelUnavailableError', async () => {
      fake.fail(true);
      await expect(collect(create({ maxRetries: 0 }).answerStream(request()))).rejects.toBeInstanceOf(
        ModelUnavailableError,
      );
    });

    it('turns an empty stream into ModelUnavailableError', async () => {
      fake.respond = () => '';
      await expect(collect(create().answerStream(request()))).rejects.toBeInstanceOf(ModelUnavailableError);
    });

    it('aborts mid-stream when the request signal aborts', async () => {
      fake.respond = () => 'one two three four five six seven eight nine ten';
      fake.chunkDelayMs = 100;
      const controller = new AbortController();
      const chunks: string[] = [];
      const consume = (async () => {
        for await (const chunk of create().answerStream(request({ signal: controller.signal }))) {
          chunks.push(chunk);
          if (chunks.length === 2) controller.abort();
        }
      })();
      await expect(consume).rejects.toBeInstanceOf(ModelUnavailableError);
      expect(chunks).toHaveLength(2);
      expect(await waitUntil(() => fake.inFlight === 0)).toBe(true);
    });

    it('closes the HTTP call when the consumer stops reading', async () => {
      fake.respond = () => 'one two three four five six';
      fake.chunkDelayMs = 100;
      for await (const _chunk of create().answerStream(request())) break;
      expect(await waitUntil(() => fake.inFlight === 0)).toBe(true);
    });

    it('gives up when the stream stalls longer than the timeout', async () => {
      fake.respond = () => 'slow words here';
      fake.chunkDelayMs = 1000;
      await expect(collect(create({ timeoutMs: 300 }).answerStream(request()))).rejects.toThrow(
        /within 300 ms/,
      );
    });
  });

  describe('compose', () => {
    it('asks for a proactive message and returns it', async () => {
      fake.respond = () => 'Welcome to the Forbidden City!';
      const text = await create().compose({ kind: 'greeting', locale: 'en', history: [], nearbyPois: [] });
      expect(text).toBe('Welcome to the Forbidden City!');
      expect(JSON.stringify(fake.requests[0].messages.at(-1))).toContain('Instruction from the tour app');
    });
  });
});
