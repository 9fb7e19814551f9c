import { AppConfig } from '../config/app-config';
import { GuideModel } from './guide-model.port';
import { OfflineGuideModel, PoiSource } from './offline-guide.model';
import { OpenAiGuideModel } from './openai-guide.model';

/** AI_PROVIDER picks the adapter: the real model through the SDK, or the offline guide. */
export function createGuideModel(config: AppConfig, pois: PoiSource): GuideModel {
  switch (config.aiProvider) {
    case 'openai':
      if (!config.openaiApiKey) throw new Error('AI_PROVIDER=openai needs OPENAI_API_KEY'); // config checks it too
      return new OpenAiGuideModel({
        apiKey: config.openaiApiKey,
        baseUrl: config.openaiBaseUrl,
        model: config.openaiModel,
        timeoutMs: config.aiTimeoutMs,
      });
    case 'offline':
      return new OfflineGuideModel(pois);
  }
}
