import { Logger } from '@nestjs/common';
import { distanceM, PoiService, PoiWithDistance } from '../poi';
import { GuideModel, GuideRequest, ProactiveRequest } from './guide-model.port';
import { ModelUnavailableError } from '../domain';
import { guideLanguage, pickLanguage, questionLanguage } from './localized-text';
import {
  cannotSeeImages,
  chunksOf,
  describeHighlights,
  describeMentioned,
  describeNearby,
  findMentionedPoi,
  withoutPoiNames,
} from './offline-answer';
import { templateMessage } from './template-messages';

/** What the offline guide needs of the POI module. */
export type PoiSource = Pick<PoiService, 'all' | 'near'>;

const NEARBY_RADIUS_M = 1000;
const NEARBY_LIMIT = 4;

/**
 * The guide with no model and no network (AI_PROVIDER=offline): answers from the POI data, so the
 * service is useful on a fresh machine. It answers in the language of the question; a question with
 * no words (an emoji, a number) gets the session's: Chinese for zh-* locales, English otherwise.
 */
export class OfflineGuideModel implements GuideModel {
  private readonly logger = new Logger(OfflineGuideModel.name);

  constructor(private readonly pois: PoiSource) {
    this.logger.log('AI provider: offline (answers from the POI data, no network)');
  }

  /** In the language of the question (a POI's name aside), else in the session's. */
  async answer(request: GuideRequest): Promise<string> {
    const all = await this.pois.all();
    const mentioned = findMentionedPoi(request.text, all);
    const language =
      questionLanguage(withoutPoiNames(request.text, mentioned)) ?? guideLanguage(request.locale);
    const prefix = request.image ? cannotSeeImages(language) : '';
    if (mentioned) {
      const distance = request.location ? Math.round(distanceM(request.location, mentioned)) : null;
      return prefix + describeMentioned(mentioned, distance, language);
    }
    const nearby = await this.nearby(request);
    if (nearby.length > 0) return prefix + describeNearby(nearby, language);
    return prefix + describeHighlights(all, language);
  }

  async *answerStream(request: GuideRequest): AsyncIterable<string> {
    const answer = await this.answer(request);
    for (const chunk of chunksOf(answer)) {
      if (request.signal?.aborted)
        throw new ModelUnavailableError('Request aborted by the client', { failure: 'client_aborted' });
      yield chunk;
    }
  }

  compose(request: ProactiveRequest): Promise<string> {
    const language = guideLanguage(request.locale);
    const [nearest] = request.nearbyPois;
    switch (request.kind) {
      case 'greeting': {
        const greeting = templateMessage('greeting', request.locale);
        if (!nearest) return Promise.resolve(greeting);
        const near = pickLanguage(nearest.name, language);
        return Promise.resolve(
          language === 'zh' ? `${greeting}您现在在${near}附近。` : `${greeting} You are near ${near}.`,
        );
      }
      case 'poi':
        return Promise.resolve(templateMessage('poi', request.locale, request.poi ?? nearest));
      case 'tip':
        return Promise.resolve(
          nearest ? this.nearbyTip(nearest, language) : templateMessage('tip', request.locale),
        );
    }
  }

  private nearbyTip(poi: PoiWithDistance, language: 'zh' | 'en'): string {
    const name = pickLanguage(poi.name, language);
    const description = pickLanguage(poi.description, language);
    return language === 'zh'
      ? `小提示：附近的${name}（约${poi.distanceM}米）值得一看。${description}`
      : `A tip: ${name}, about ${poi.distanceM} m away, is worth a look. ${description}`;
  }

  /** The caller's nearest POIs, or ours when it knows the location but sent none. */
  private async nearby(request: GuideRequest): Promise<PoiWithDistance[]> {
    if (request.nearbyPois.length > 0 || !request.location) return request.nearbyPois;
    return this.pois.near(request.location, NEARBY_RADIUS_M, NEARBY_LIMIT);
  }
}
