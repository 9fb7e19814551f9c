import { MemoryPoiRepository } from '../poi/memory-poi.repository';
import { readPoiFile, SAMPLE_POI_FILE } from '../poi/poi-file';
import { PoiService } from '../poi';
import { AppConfig } from '../config/app-config';
import { GuideRequest } from './guide-model.port';
import { pickLanguage } from './localized-text';
import { OfflineGuideModel } from './offline-guide.model';
import { templateMessage } from './template-messages';

const HALL = { lat: 39.9164, lon: 116.391 };

const request = (overrides: Partial<GuideRequest> = {}): GuideRequest => ({
  locale: 'zh-CN',
  history: [],
  text: '你好',
  nearbyPois: [],
  ...overrides,
});

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe(OfflineGuideModel.name, () => {
  let pois: PoiService;
  let sut: OfflineGuideModel;

  beforeEach(async () => {
    pois = new PoiService(new MemoryPoiRepository(), { poiFile: null } as AppConfig);
    await pois.onModuleInit();
    sut = new OfflineGuideModel(pois);
  });

  describe('answer', () => {
    it('describes a POI named in the question, in Chinese for zh locales', async () => {
      const answer = await sut.answer(request({ text: '太和殿是做什么的？' }));
      expect(answer).toMatch(/^太和殿：/);
      expect(answer).toContain('金銮殿');
      expect(answer).not.toMatch(/Hall of Supreme Harmony/);
    });

    it('describes a POI named in English, in English for en locales', async () => {
      const answer = await sut.answer(request({ locale: 'en-US', text: 'Tell me about the Meridian Gate' }));
      expect(answer).toMatch(/^Meridian Gate: The main southern entrance/);
      expect(answer).not.toMatch(/午门/);
    });

    it.each([
      [
        'an English question in a zh-CN session',
        'zh-CN',
        'What is special about the Hall of Supreme Harmony?',
        'en',
      ],
      ['an English question naming the POI in Chinese', 'zh-CN', 'Tell me about 太和殿 please', 'en'],
      ['a Chinese question in an en session', 'en', '太和殿有什么特别？', 'zh'],
      ['a Chinese question naming the POI in English', 'en', '请介绍一下 Hall of Supreme Harmony', 'zh'],
      ['a question with no words, in a zh-CN session', 'zh-CN', '😀 ??', 'zh'],
      ['a question with no words, in an en session', 'en', '42', 'en'],
    ])('answers %s in the language of the question', async (_, locale, text, language) => {
      const answer = await sut.answer(request({ locale, text }));
      expect(/[\u4e00-\u9fff]/.test(answer) ? 'zh' : 'en').toBe(language);
    });

    it('prefers the longest matching name', async () => {
      const answer = await sut.answer(request({ locale: 'en', text: 'And the gate of supreme harmony?' }));
      expect(answer).toMatch(/^Gate of Supreme Harmony:/);
    });

    it('adds the distance when the location is known', async () => {
      const answer = await sut.answer(request({ text: '午门在哪里', location: HALL }));
      expect(answer).toMatch(/距离您约3\d\d米/);
    });

    it('talks about the nearest POIs when the location is known', async () => {
      const answer = await sut.answer(request({ locale: 'en', text: 'What is here?', location: HALL }));
      expect(answer).toMatch(/^The nearest sight is Hall of Supreme Harmony, about 0 m away\./);
      expect(answer).toMatch(/Also nearby: /);
    });

    it('uses the nearby POIs it is given', async () => {
      const [meridian] = await pois.near({ lat: 39.9136, lon: 116.391 }, 50);
      const answer = await sut.answer(request({ text: '这是哪里', nearbyPois: [meridian] }));
      expect(answer).toMatch(/^离您最近的是午门（约0米）/);
    });

    it('lists highlights when it knows neither a name nor a location', async () => {
      const answer = await sut.answer(request({ locale: 'en', text: 'What should I see?' }));
      expect(answer).toMatch(/^Highlights here include /);
      expect(answer).toContain('Imperial Garden');
    });

    it('says it cannot see photos', async () => {
      const answer = await sut.answer(
        request({ locale: 'en', image: 'https://example.com/a.jpg', text: 'What?' }),
      );
      expect(answer).toMatch(/^\(In offline mode I can't look at photos\.\)/);
    });

    it('answers even with no POI data at all', async () => {
      await pois.replaceAll([]);
      expect(await sut.answer(request({ text: '你好', location: HALL }))).toContain('离线模式');
    });
  });

  describe('answerStream', () => {
    it('yields a few chunks that add up to the answer', async () => {
      const req = request({ locale: 'en', text: 'What is here?', location: HALL });
      const chunks = await collect(sut.answerStream(req));
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunks.join('')).toBe(await sut.answer(req));
    });

    it('stops when the request is aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(collect(sut.answerStream(request({ signal: controller.signal })))).rejects.toThrow(
        /aborted/,
      );
    });
  });

  describe('compose', () => {
    const nearby = () => pois.near(HALL, 200, 3);

    it('greets, mentioning where the visitor is', async () => {
      const text = await sut.compose({
        kind: 'greeting',
        locale: 'zh-CN',
        history: [],
        nearbyPois: await nearby(),
      });
      expect(text).toBe(`${templateMessage('greeting', 'zh-CN')}您现在在太和殿附近。`);
    });

    it('introduces a POI in the visitor language', async () => {
      const poi = (await pois.get('nine-dragon-wall'))!;
      const text = await sut.compose({ kind: 'poi', locale: 'en-US', history: [], poi, nearbyPois: [] });
      expect(text).toBe(`You have arrived at Nine-Dragon Wall. ${pickLanguage(poi.description, 'en')}`);
    });

    it('gives a tip, about a nearby sight when there is one', async () => {
      expect(
        await sut.compose({ kind: 'tip', locale: 'en', history: [], nearbyPois: await nearby() }),
      ).toMatch(/^A tip: Hall of Supreme Harmony/);
      expect(await sut.compose({ kind: 'tip', locale: 'fr', history: [], nearbyPois: [] })).toBe(
        templateMessage('tip', 'fr'),
      );
    });
  });
});

describe(templateMessage.name, () => {
  const poi = readPoiFile(SAMPLE_POI_FILE)[0];

  it.each(['greeting', 'poi', 'tip'] as const)('has a %s text in Chinese and English', (kind) => {
    expect(templateMessage(kind, 'zh-CN', poi)).toMatch(/[\u4e00-\u9fff]/);
    expect(templateMessage(kind, 'en-US', poi)).not.toMatch(/[\u4e00-\u9fff]/);
  });

  it('falls back to English for other locales and works without a POI', () => {
    expect(templateMessage('poi', 'de-DE')).toMatch(/nearby/);
  });
});

describe(pickLanguage.name, () => {
  it('splits "中文 English" texts', () => {
    expect(pickLanguage('太和殿 Hall of Supreme Harmony', 'zh')).toBe('太和殿');
    expect(pickLanguage('太和殿 Hall of Supreme Harmony', 'en')).toBe('Hall of Supreme Harmony');
  });

  it('returns texts that are not bilingual whole', () => {
    expect(pickLanguage('Only English', 'zh')).toBe('Only English');
    expect(pickLanguage('只有中文。', 'en')).toBe('只有中文。');
  });
});
