import { describe, expect, it } from 'vitest';
import { isValidSlug, SLUG_MAX_LENGTH } from '../../src/projects/slug.js';

describe('isValidSlug', () => {
  it.each(['a', '0', 'my-plugin', 'my_plugin', 'my.plugin', 'a1.b2_c3-d4', '9lives', 'a'.repeat(SLUG_MAX_LENGTH)])(
    'accepts %j',
    (slug) => expect(isValidSlug(slug)).toBe(true),
  );

  it.each([
    '',
    'A',
    'My-Plugin',
    '-a',
    '.a',
    '_a',
    'a..b',
    '..',
    'a/b',
    '../etc',
    'a\\b',
    'a b',
    'a\n',
    'a\0',
    'plügin',
    'a:b',
    'a'.repeat(SLUG_MAX_LENGTH + 1),
  ])('rejects %j', (slug) => expect(isValidSlug(slug)).toBe(false));

  it('rejects non-strings', () => {
    expect(isValidSlug(undefined)).toBe(false);
    expect(isValidSlug(42)).toBe(false);
    expect(isValidSlug(['a'])).toBe(false);
  });
});
