/** Readme header names (lowercase) → the field they fill, as WordPress.org's readme parser knows them. */
export const README_HEADERS: Readonly<Record<string, ReadmeHeaderField>> = {
  'contributors': 'contributors',
  'tags': 'tags',
  'requires': 'requires',
  'requires at least': 'requires',
  'tested': 'tested',
  'tested up to': 'tested',
  'requires php': 'requiresPhp',
  'stable tag': 'stableTag',
  'license': 'license',
  'license uri': 'licenseUri',
  'donate link': 'donateLink',
};

export type ReadmeHeaderField =
  | 'contributors'
  | 'tags'
  | 'requires'
  | 'tested'
  | 'requiresPhp'
  | 'stableTag'
  | 'license'
  | 'licenseUri'
  | 'donateLink';

export interface HeaderLine {
  /** Lowercased name, markdown decoration removed: `**Requires at least:**` → `requires at least`. */
  key: string;
  value: string;
}

/**
 * A `Name: value` line as WordPress.org reads it: split at the first colon, `*`, `-` and spaces
 * trimmed from both sides, so `Tags: a`, `**Tags:** a` and `* Tags: a` are all the same header.
 * Headings (`#`, `=`) are never headers.
 */
export function parseHeaderLine(line: string): HeaderLine | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith('#') || trimmed.startsWith('=')) return undefined;
  const colon = trimmed.indexOf(':');
  if (colon <= 0) return undefined;
  const key = trimDecoration(trimmed.slice(0, colon)).toLowerCase();
  if (key === '' || !/^[a-z][a-z0-9 ]*$/.test(key)) return undefined;
  return { key, value: trimDecoration(trimmed.slice(colon + 1)) };
}

function trimDecoration(text: string): string {
  return text.replace(/^[\s*_-]+|[\s*_-]+$/g, '');
}

/** A comma-separated header value as a list; markdown links keep their text (`[joe](https://…)` → `joe`). */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.replace(/^\s*\[([^\]]*)\]\([^)]*\)\s*$/, '$1').trim())
    .filter((item) => item !== '');
}
