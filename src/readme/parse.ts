import { README_HEADERS, splitList, type HeaderLine } from './fields.js';
import { escapeHtml } from './escape.js';
import { convertSubheadings } from './lines.js';
import { markdownToText, renderMarkdown } from './markdown.js';
import { htmlToText } from './sanitize.js';
import { sectionKey } from './sectionKey.js';
import { splitReadme, type ReadmeFormat } from './structure.js';
import type { ReadmeDetails } from './types.js';
import { parseUpgradeNotices } from './upgradeNotice.js';

/**
 * Parse a WordPress readme (readme.txt format or readme.md) into header fields, a plain-text
 * short description, sections keyed as plugins_api() expects, and the whole readme as HTML.
 * All HTML is rendered with marked and sanitized. Never throws on any input text.
 */
export function parseReadme(text: string, format: ReadmeFormat): ReadmeDetails {
  const structure = splitReadme(text, format);
  // `= 1.0 =` sub-headings belong to the readme.txt markup; a readme.md written that way gets them too.
  const wordpressMarkup = format === 'txt' || structure.wordpressMarkup;
  const render = (source: string): string => renderMarkdown(wordpressMarkup ? convertSubheadings(source) : source);

  const readme: ReadmeDetails = { sections: {}, html: '', headers: {} };
  const name = structure.name === undefined ? '' : htmlToText(structure.name);
  if (name !== '') readme.name = name;
  applyHeaders(readme, structure.headers);

  const parts: string[] = [];
  const intro = structure.intro === '' ? '' : render(structure.intro).trim();
  if (intro !== '') parts.push(intro);

  const sections = new Map<string, string>();
  const notices = new Map<string, string>();
  let descriptionSource: string | undefined;
  for (const [position, section] of structure.sections.entries()) {
    const body = render(section.body).trim();
    if (body === '') continue;
    const title = markdownToText(section.title);
    const key = sectionKey(title) || `section_${position + 1}`;
    parts.push(`<h2>${escapeHtml(title)}</h2>\n${body}`);
    const earlier = sections.get(key);
    sections.set(key, earlier === undefined ? body : `${earlier}\n${body}`);
    if (key === 'description') descriptionSource ??= section.body;
    if (key === 'upgrade_notice') {
      for (const [version, notice] of Object.entries(parseUpgradeNotices(section.body))) notices.set(version, notice);
    }
  }
  readme.sections = Object.fromEntries(sections);
  readme.html = parts.join('\n');
  if (notices.size > 0) readme.upgradeNotices = Object.fromEntries(notices);

  // WordPress.org falls back to the description when there is no text before the first section.
  const short = firstParagraphText(structure.intro) ?? firstParagraphText(descriptionSource ?? '');
  if (short !== undefined) readme.shortDescription = short;
  return readme;
}

function applyHeaders(readme: ReadmeDetails, headers: HeaderLine[]): void {
  const seen = new Map<string, string>();
  for (const { key, value } of headers) {
    if (!seen.has(key)) seen.set(key, value);
    if (value === '' || !Object.hasOwn(README_HEADERS, key)) continue;
    const field = README_HEADERS[key];
    switch (field) {
      case 'contributors':
      case 'tags': {
        const list = splitList(value);
        if (list.length > 0) readme[field] ??= list;
        break;
      }
      case undefined:
        break;
      default:
        readme[field] ??= value;
    }
  }
  readme.headers = Object.fromEntries(seen);
}

/** Plain text of the first paragraph that has any (headings and code blocks skipped). */
function firstParagraphText(source: string): string | undefined {
  for (const block of source.split(/\n[ \t]*\n/)) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    const first = (lines[0] ?? '').trim();
    if (first === '' || /^(#|=|```|~~~)/.test(first) || /^ {4}|^\t/.test(lines[0] ?? '')) continue;
    const text = markdownToText(lines.map((line) => line.trim()).join(' '));
    if (text !== '') return text;
  }
  return undefined;
}
