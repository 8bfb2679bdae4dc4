import type { WpHeader } from '../releases/types.js';
import { isWebUrl } from './sanitize.js';

/** WordPress reads only the first 8 KiB of a file for its header (get_file_data). */
export const HEADER_SCAN_BYTES = 8 * 1024;

/** Header names in the order they are tried; the first one found wins for a field (Plugin before Theme). */
const HEADER_NAMES: ReadonlyArray<readonly [keyof WpHeader, string]> = [
  ['name', 'Plugin Name'],
  ['name', 'Theme Name'],
  ['version', 'Version'],
  ['description', 'Description'],
  ['author', 'Author'],
  ['authorUri', 'Author URI'],
  ['homepage', 'Plugin URI'],
  ['homepage', 'Theme URI'],
  ['requires', 'Requires at least'],
  ['tested', 'Tested up to'],
  ['requiresPhp', 'Requires PHP'],
  ['textDomain', 'Text Domain'],
  ['updateUri', 'Update URI'],
];

/** The regular expression get_file_data() builds for one header name. */
function headerPattern(name: string): RegExp {
  const quoted = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^(?:[ \\t]*<\\?php)?[ \\t/*#@]*${quoted}:(.*)$`, 'mi');
}

const PATTERNS = HEADER_NAMES.map(([field, name]) => [field, headerPattern(name)] as const);

/** Fields that become links in WordPress's screens: anything but an http(s) URL is dropped (no javascript:). */
const URL_FIELDS: ReadonlySet<keyof WpHeader> = new Set(['authorUri', 'homepage']);

/** PHP's trim() character set (JavaScript's trim() also strips Unicode spaces, which PHP keeps). */
function phpTrim(value: string): string {
  return value.replace(/^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g, '');
}

/** WordPress's _cleanup_header_comment(): cut at a closing comment or PHP tag, then trim. */
function cleanupHeaderComment(value: string): string {
  return phpTrim(value.replace(/\s*(?:\*\/|\?>).*/, ''));
}

/** The first 8 KiB (bytes, as PHP counts them) of the file, with CR and CRLF turned into LF. */
function headerArea(file: string | Uint8Array): string {
  const bytes = typeof file === 'string' ? Buffer.from(file, 'utf8') : file;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, HEADER_SCAN_BYTES));
  return head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r/g, '\n');
}

/**
 * Parse the WordPress file header of a plugin's main file or a theme's style.css, as
 * WordPress's get_file_data() does: only the first 8 KiB, `Name: value` lines with or
 * without comment decoration, names case-insensitive. Missing or empty values are left out,
 * and so are URI fields that are not http(s) URLs.
 */
export function parseWpHeader(file: string | Uint8Array): WpHeader {
  const area = headerArea(file);
  const header: WpHeader = {};
  for (const [field, pattern] of PATTERNS) {
    if (header[field] !== undefined) continue;
    const match = pattern.exec(area);
    if (!match) continue;
    const value = cleanupHeaderComment(match[1] ?? '');
    if (value === '' || (URL_FIELDS.has(field) && !isWebUrl(value))) continue;
    header[field] = value;
  }
  return header;
}
