import { Poi } from '../poi';
import { ProactiveRequest } from './guide-model.port';
import { guideLanguage, GuideLanguage, pickLanguage } from './localized-text';

export type TemplateKind = ProactiveRequest['kind'];

type Templates = Record<TemplateKind, (poi?: Poi) => string>;

const TEMPLATES: Record<GuideLanguage, Templates> = {
  zh: {
    greeting: () => '您好，欢迎！我是您的导游。有任何问题都可以问我，也可以拍张照片发给我，我来为您讲解。',
    poi: (poi) =>
      poi
        ? `您已来到${pickLanguage(poi.name, 'zh')}。${pickLanguage(poi.description, 'zh')}`
        : '您附近有一处值得一看的景点，想了解的话随时问我。',
    tip: () => '小提示：走累了记得休息一下、补充水分。想了解附近的景点，随时问我。',
  },
  en: {
    greeting: () =>
      "Hello and welcome! I'm your guide. Ask me anything, or send me a photo and I'll tell you what you're looking at.",
    poi: (poi) =>
      poi
        ? `You have arrived at ${pickLanguage(poi.name, 'en')}. ${pickLanguage(poi.description, 'en')}`
        : "There is something worth seeing nearby; ask me if you'd like to know more.",
    tip: () =>
      'A tip: take a break and drink some water now and then. Ask me any time about the sights around you.',
  },
};

/**
 * A proactive message written without a model: used while the model is unavailable, so a greeting or a
 * POI introduction still arrives. Chinese for zh-* locales, English otherwise.
 */
export function templateMessage(kind: TemplateKind, locale: string, poi?: Poi): string {
  return TEMPLATES[guideLanguage(locale)][kind](poi);
}
