/**
 * Locale helpers for the guide's own words. POI texts are bilingual in one string ("太和殿 Hall of
 * Supreme Harmony"); the offline guide and the templates show only the half in the visitor's language.
 */
export type GuideLanguage = 'zh' | 'en';

const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/;
const LATIN_LETTER = /[A-Za-z]/;

/** The language the offline texts use for a BCP-47 locale: Chinese for zh-*, English otherwise. */
export function guideLanguage(locale: string): GuideLanguage {
  return /^zh(-|_|$)/i.test(locale.trim()) ? 'zh' : 'en';
}

const CJK_EVERYWHERE = new RegExp(CJK.source, 'g');

/**
 * The language a question is written in, by its script: Chinese characters against English words.
 * Null when it has neither (digits, emoji, punctuation), so the session locale decides.
 */
export function questionLanguage(text: string): GuideLanguage | null {
  const chinese = text.match(CJK_EVERYWHERE)?.length ?? 0;
  const englishWords = text.match(/[A-Za-z]{2,}/g)?.length ?? 0;
  if (chinese === 0 && englishWords === 0) return null;
  return chinese >= englishWords ? 'zh' : 'en';
}

/** "Chinese (China)" for zh-CN: models follow a language name more reliably than a tag. */
export function languageName(locale: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale; // not a well-formed tag: hand it over as written
  }
}

/**
 * The half of a "中文 English" string in `language`: the Chinese half runs up to the last CJK
 * character, the English half is what follows. A text that is not bilingual in that order is returned
 * whole.
 */
export function pickLanguage(text: string, language: GuideLanguage): string {
  let lastCjk = -1;
  for (let i = text.length - 1; i >= 0; i--) {
    if (CJK.test(text[i])) {
      lastCjk = i;
      break;
    }
  }
  if (lastCjk < 0) return text;
  const chinese = text.slice(0, lastCjk + 1).trim();
  const english = text.slice(lastCjk + 1).trim();
  if (!LATIN_LETTER.test(english)) return text;
  return language === 'zh' ? chinese : english;
}
