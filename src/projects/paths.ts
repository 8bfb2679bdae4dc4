/**
 * Paths that come from a settings file and are later used inside a repository tree or a zip:
 * checked here so they can never name something outside the repository, or read as an option.
 * Each function returns the normalised value, or the reason it is refused (a string starting "must").
 */
const CONTROL = /[\x00-\x1f\x7f]/;

export type PathCheck = { ok: true; value: string } | { ok: false; message: string };

/** A file path relative to the repository root (`info`, `readme`). `./` segments are dropped. */
export function checkRepoRelativePath(value: string): PathCheck {
  if (value.length === 0) return { ok: false, message: 'must not be empty' };
  if (value.length > 1000) return { ok: false, message: 'must be at most 1000 characters' };
  if (CONTROL.test(value)) return { ok: false, message: 'must not contain control characters' };
  if (value.includes('\\')) return { ok: false, message: 'must use "/" as separator, not "\\"' };
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) {
    return { ok: false, message: 'must be a path relative to the repository root, not an absolute path' };
  }
  if (value.endsWith('/')) return { ok: false, message: 'must name a file, not a folder' };
  const segments = value.split('/').filter((s) => s !== '.');
  if (segments.length === 0) return { ok: false, message: 'must name a file' };
  for (const segment of segments) {
    if (segment === '') return { ok: false, message: 'must not contain empty segments ("//")' };
    if (segment === '..') return { ok: false, message: 'must stay inside the repository (no ".." segments)' };
    if (segment.startsWith('-')) return { ok: false, message: 'must not have a segment starting with "-"' };
  }
  return { ok: true, value: segments.join('/') };
}

/** One path segment: the top-level folder of served zips (`folderName`). */
export function checkFolderName(value: string): PathCheck {
  if (value.length === 0) return { ok: false, message: 'must not be empty' };
  if (value.length > 200) return { ok: false, message: 'must be at most 200 characters' };
  if (CONTROL.test(value)) return { ok: false, message: 'must not contain control characters' };
  if (value.includes('/') || value.includes('\\')) {
    return { ok: false, message: 'must be a single folder name (no "/" or "\\")' };
  }
  if (value.includes('..')) return { ok: false, message: 'must not contain ".."' };
  if (value.startsWith('.') || value.startsWith('-')) return { ok: false, message: 'must not start with "." or "-"' };
  return { ok: true, value };
}
