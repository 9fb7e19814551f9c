import { toStorableText, unstorableTextAt } from './well-formed-text';

describe(unstorableTextAt.name, () => {
  it.each([
    ['a lone high surrogate', { text: '\ud800 x' }, 'text'],
    ['a lone low surrogate', { text: 'x \udc00' }, 'text'],
    ['a high surrogate at the end', { text: 'x\ud83d' }, 'text'],
    ['NUL', { text: 'a\u0000b' }, 'text'],
    ['a nested value', { metadata: { guide: 'ok', note: '\udfff' } }, 'metadata.note'],
    ['an array item', { pois: [{ name: 'ok' }, { name: '\ud800' }] }, 'pois.1.name'],
    ['a key', { metadata: { '\ud800': 'x' } }, 'metadata'],
    ['a bare string', '\ud800', ''],
  ])('finds %s', (_, value, path) => {
    expect(unstorableTextAt(value)).toBe(path);
  });

  it('accepts well-formed text, surrogate pairs (emoji) included, and non-strings', () => {
    expect(
      unstorableTextAt({ text: '太和殿 😀 \ud83d\ude00', n: 1, b: true, none: null, list: ['é'] }),
    ).toBeNull();
  });
});

describe(toStorableText.name, () => {
  it('replaces each lone surrogate and NUL with U+FFFD and keeps pairs', () => {
    expect(toStorableText('a\ud800b\u0000c😀')).toBe('a\ufffdb\ufffdc😀');
  });
});
