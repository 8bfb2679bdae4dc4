/**
 * A project slug names a settings file and reaches paths, URLs and logs, so it is checked
 * before any disk or git access: lowercase letters, digits, `.`, `_`, `-`, starting with a
 * letter or digit, at most 100 characters, and never `..` (no walking out of a folder).
 */
const SLUG = /^[a-z0-9][a-z0-9._-]*$/;

export const SLUG_MAX_LENGTH = 100;

export function isValidSlug(s: unknown): s is string {
  return typeof s === 'string' && s.length <= SLUG_MAX_LENGTH && SLUG.test(s) && !s.includes('..');
}
