import { PoiWithDistance } from '../poi';
import { ContextTurn, GuideRequest, ProactiveRequest } from './guide-model.port';
import { buildGuideMessages, buildProactiveMessages, selectHistory } from './prompt-builder';

const hall: PoiWithDistance = {
  id: 'hall-of-supreme-harmony',
  name: '太和殿 Hall of Supreme Harmony',
  description: '金銮殿。 The Hall of the Golden Throne.',
  lat: 39.9164,
  lon: 116.391,
  radiusM: 80,
  distanceM: 12.4,
};

const request = (overrides: Partial<GuideRequest> = {}): GuideRequest => ({
  locale: 'zh-CN',
  history: [],
  text: '这是什么？',
  nearbyPois: [],
  ...overrides,
});

describe('prompt-builder', () => {
  describe(buildGuideMessages.name, () => {
    it('sends system, history oldest first, then the new user message', () => {
      const history: ContextTurn[] = [
        { role: 'proactive', text: 'Welcome!' },
        { role: 'user', text: 'Hi' },
        { role: 'assistant', text: 'Hello' },
      ];
      const sut = buildGuideMessages(request({ history, text: 'Where am I?' }));
      expect(sut.map((m) => m.role)).toEqual(['system', 'assistant', 'user', 'assistant', 'user']);
      expect(sut.slice(1).map((m) => m.content)).toEqual(['Welcome!', 'Hi', 'Hello', 'Where am I?']);
    });

    it('sends proactive turns as the assistant', () => {
      const sut = buildGuideMessages(request({ history: [{ role: 'proactive', text: 'A tip' }] }));
      expect(sut[1]).toEqual({ role: 'assistant', content: 'A tip' });
    });

    it('names the locale and its language in the system message', () => {
      const [system] = buildGuideMessages(request({ locale: 'zh-CN' }));
      expect(system.content).toContain('zh-CN');
      expect(system.content).toContain('Chinese');
      expect(buildGuideMessages(request({ locale: 'en-GB' }))[0].content).toContain('English');
    });

    it('lists the nearest POIs with distance and description when a location is known', () => {
      const [system] = buildGuideMessages(
        request({ location: { lat: 39.9165, lon: 116.391 }, nearbyPois: [hall] }),
      );
      expect(system.content).toContain(
        '太和殿 Hall of Supreme Harmony (12 m away): 金銮殿。 The Hall of the Golden Throne.',
      );
      expect(system.content).toContain('39.91650');
    });

    it('leaves POIs out when none are near', () => {
      expect(buildGuideMessages(request())[0].content).not.toContain('Points of interest');
    });

    it('sends an image as an image_url part after the text', () => {
      const image = 'data:image/png;base64,iVBORw0KGgo=';
      const sut = buildGuideMessages(request({ text: 'What is this?', image }));
      expect(sut[sut.length - 1]).toEqual({
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: image } },
        ],
      });
    });

    it('sends plain string content without an image', () => {
      const sut = buildGuideMessages(request({ text: 'Hello' }));
      expect(sut[sut.length - 1]).toEqual({ role: 'user', content: 'Hello' });
    });

    it('keeps only the most recent history that fits the budget', () => {
      const history = Array.from({ length: 10 }, (_, i): ContextTurn => ({
        role: i % 2 === 0 ? 'user' : 'assistant',
        text: `${i}`.padEnd(100, '.'),
      }));
      const sut = buildGuideMessages(request({ history }), { historyBudgetChars: 350 });
      expect(sut.slice(1, -1).map((m) => (m.content as string)[0])).toEqual(['7', '8', '9']);
    });
  });

  describe(selectHistory.name, () => {
    it('stops at the first turn that does not fit, leaving no hole', () => {
      const history: ContextTurn[] = [
        { role: 'user', text: 'a' },
        { role: 'assistant', text: 'x'.repeat(50) },
        { role: 'user', text: 'b' },
      ];
      expect(selectHistory(history, 20)).toEqual([{ role: 'user', text: 'b' }]);
    });

    it('keeps everything when it fits, and skips empty turns', () => {
      const history: ContextTurn[] = [
        { role: 'user', text: 'a' },
        { role: 'assistant', text: '' },
        { role: 'user', text: 'b' },
      ];
      expect(selectHistory(history, 1000).map((t) => t.text)).toEqual(['a', 'b']);
    });
  });

  describe(buildProactiveMessages.name, () => {
    const proactive = (overrides: Partial<ProactiveRequest>): ProactiveRequest => ({
      kind: 'greeting',
      locale: 'en-US',
      history: [],
      nearbyPois: [],
      ...overrides,
    });

    it('ends with an instruction marked as coming from the app', () => {
      const sut = buildProactiveMessages(proactive({ kind: 'greeting' }));
      expect(sut.map((m) => m.role)).toEqual(['system', 'user']);
      expect(sut[1].content).toMatch(/^\(Instruction from the tour app/);
      expect(sut[1].content).toMatch(/welcome/i);
    });

    it('names the POI to introduce', () => {
      const sut = buildProactiveMessages(proactive({ kind: 'poi', poi: hall }));
      expect(sut[sut.length - 1].content).toContain('太和殿 Hall of Supreme Harmony');
    });

    it('includes recent history so a tip does not repeat it', () => {
      const sut = buildProactiveMessages(
        proactive({
          kind: 'tip',
          history: [{ role: 'proactive', text: 'Drink water.' }],
          nearbyPois: [hall],
        }),
      );
      expect(sut[1]).toEqual({ role: 'assistant', content: 'Drink water.' });
      expect(sut[0].content).toContain('Hall of Supreme Harmony');
      expect(sut[2].content).toMatch(/tip/);
    });
  });
});
