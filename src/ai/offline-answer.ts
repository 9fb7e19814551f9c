import { Poi, PoiWithDistance } from '../poi';
import { GuideLanguage, pickLanguage } from './localized-text';

/*
 * The sentences of the offline guide, in Chinese and English. Pure functions over POI data, so the
 * wording can be tested without a PoiService.
 */

const HIGHLIGHT_COUNT = 4;

/** The POI named in `text` (Chinese name, English name or id); the longest match wins ("太和门" vs "太和"). */
export function findMentionedPoi(text: string, pois: readonly Poi[]): Poi | null {
  const haystack = text.toLowerCase();
  let best: { poi: Poi; length: number } | null = null;
  for (const poi of pois) {
    for (const name of namesOf(poi)) {
      if (haystack.includes(name) && (!best || name.length > best.length))
        best = { poi, length: name.length };
    }
  }
  return best?.poi ?? null;
}

function namesOf(poi: Poi): string[] {
  const english = pickLanguage(poi.name, 'en').toLowerCase();
  const candidates = [
    pickLanguage(poi.name, 'zh').toLowerCase(),
    english,
    english.replace(/^the\s+/, ''),
    poi.id.toLowerCase().replace(/[-_.:]+/g, ' '),
  ];
  // Very short names ("门") would match far too much.
  return [...new Set(candidates)].filter((name) => name.length >= (/[a-z]/.test(name) ? 4 : 2));
}

/** The question without the names of the POI it mentions ("Tell me about 太和殿" → "Tell me about "). */
export function withoutPoiNames(text: string, poi: Poi | null): string {
  if (!poi) return text;
  let rest = text.toLowerCase();
  for (const name of namesOf(poi).sort((a, b) => b.length - a.length)) rest = rest.split(name).join(' ');
  return rest;
}

const name = (poi: Poi, language: GuideLanguage) => pickLanguage(poi.name, language);
const description = (poi: Poi, language: GuideLanguage) => pickLanguage(poi.description, language);

export function describeMentioned(poi: Poi, distanceM: number | null, language: GuideLanguage): string {
  if (language === 'zh') {
    const where = distanceM === null ? '' : `它距离您约${distanceM}米。`;
    return `${name(poi, 'zh')}：${description(poi, 'zh')}${where}`;
  }
  const where = distanceM === null ? '' : ` It is about ${distanceM} m from you.`;
  return `${name(poi, 'en')}: ${description(poi, 'en')}${where}`;
}

export function describeNearby(nearby: readonly PoiWithDistance[], language: GuideLanguage): string {
  const [nearest, ...others] = nearby;
  const rest = others.slice(0, 3);
  if (language === 'zh') {
    const also = rest.length
      ? `附近还有：${rest.map((p) => `${name(p, 'zh')}（约${p.distanceM}米）`).join('、')}。`
      : '';
    return `离您最近的是${name(nearest, 'zh')}（约${nearest.distanceM}米）。${description(nearest, 'zh')}${also}想了解哪一处，直接问我。`;
  }
  const also = rest.length
    ? ` Also nearby: ${rest.map((p) => `${name(p, 'en')} (${p.distanceM} m)`).join(', ')}.`
    : '';
  return `The nearest sight is ${name(nearest, 'en')}, about ${nearest.distanceM} m away. ${description(nearest, 'en')}${also} Ask me about any of them.`;
}

/** With no location and no POI named: the largest sights, which are usually the main ones. */
export function describeHighlights(pois: readonly Poi[], language: GuideLanguage): string {
  if (pois.length === 0) {
    return language === 'zh'
      ? '我现在处于离线模式，暂时没有景点资料，请稍后再问我。'
      : "I'm in offline mode and have no information about the sights yet; please ask me again later.";
  }
  const highlights = [...pois]
    .sort((a, b) => b.radiusM - a.radiusM || a.id.localeCompare(b.id))
    .slice(0, HIGHLIGHT_COUNT)
    .map((poi) => name(poi, language));
  return language === 'zh'
    ? `这里值得一看的有：${highlights.join('、')}。告诉我您想了解哪一处，或者分享您的位置，我来介绍您身边的景点。`
    : `Highlights here include ${highlights.join(', ')}. Tell me which one interests you, or share your location and I'll tell you about what is around you.`;
}

export function cannotSeeImages(language: GuideLanguage): string {
  return language === 'zh' ? '（离线模式下我看不了照片。）' : "(In offline mode I can't look at photos.) ";
}

/** Cuts an answer into a few chunks at sentence ends, so streaming looks like streaming. */
export function chunksOf(text: string, maxChunks = 4): string[] {
  const sentences = text.match(/[^。！？.!?]+[。！？.!?]*\s*/g) ?? [];
  if (sentences.join('') !== text || sentences.length <= 1) return [text];
  const perChunk = Math.ceil(sentences.length / maxChunks);
  const chunks: string[] = [];
  for (let i = 0; i < sentences.length; i += perChunk) chunks.push(sentences.slice(i, i + perChunk).join(''));
  return chunks;
}
