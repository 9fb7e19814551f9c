/**
 * Text every store and archive can hold. A lone UTF-16 surrogate (`"\ud800"` is valid JSON) is not
 * Unicode text: Redis's Lua JSON decoding rejects it, PostgreSQL's jsonb rejects it, and UTF-8 cannot
 * encode it. U+0000 is Unicode, but PostgreSQL's text and jsonb cannot hold it. Both are refused at
 * the edge (the global validation pipe), so neither adapter nor archive ever sees them.
 */
// With the u flag only unpaired surrogates match; U+0000 is written as an escape on purpose.
// eslint-disable-next-line no-control-regex
const NOT_STORABLE = /[\uD800-\uDFFF\u0000]/u;

export const NOT_STORABLE_MESSAGE = 'must be well-formed Unicode text (no lone UTF-16 surrogate, no U+0000)';

/**
 * The path (`text`, `metadata.guide`, `pois.3.name`) of the first string, or object key, in `value`
 * that is not storable text; null when all are. The path is built on the way back from a find only:
 * the common case, all storable, allocates nothing.
 */
export function unstorableTextAt(value: unknown): string | null {
  if (typeof value === 'string') return NOT_STORABLE.test(value) ? '' : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = unstorableTextAt(value[index]);
      if (found !== null) return pathOf(String(index), found);
    }
    return null;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (NOT_STORABLE.test(key)) return ''; // a key is named by the object that holds it
    const found = unstorableTextAt((value as Record<string, unknown>)[key]);
    if (found !== null) return pathOf(key, found);
  }
  return null;
}

const pathOf = (key: string, below: string) => (below ? `${key}.${below}` : key);

/** Text from a dependency (a model's answer) made storable: each offending unit becomes U+FFFD. */
export function toStorableText(text: string): string {
  return text.replace(new RegExp(NOT_STORABLE.source, 'gu'), '\uFFFD');
}
