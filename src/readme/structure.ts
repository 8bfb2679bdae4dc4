import { parseHeaderLine, README_HEADERS, type HeaderLine } from './fields.js';
import { FenceTracker, readmeLines } from './lines.js';

export type ReadmeFormat = 'txt' | 'md';

export interface RawSection {
  /** The heading as written, decoration removed: `== Frequently Asked Questions ==` → `Frequently Asked Questions`. */
  title: string;
  /** Source text under the heading, up to the next section heading. */
  body: string;
}

/** A readme cut into its parts, still as source text. */
export interface ReadmeStructure {
  name?: string;
  /** True when the readme uses the WordPress readme.txt markup (`=== Name ===`), whose `= x =` lines are sub-headings. */
  wordpressMarkup: boolean;
  headers: HeaderLine[];
  /** Text before the first section that is neither the name nor a header (the short description and anything around it). */
  intro: string;
  sections: RawSection[];
}

/** `=== Name ===` (readme.txt) */
const TXT_NAME = /^[ \t]*={3,}[ \t]*([^=\s](?:.*?[^=\s])?)[ \t]*=*[ \t]*$/;
/** `# Name` or `# Name #` (markdown) */
const MD_NAME = /^[ \t]*#(?!#)[ \t]*([^#\s](?:.*?[^#\s])?)(?:[ \t]+#+)?[ \t]*$/;
/** `== Section ==` (readme.txt) */
const TXT_SECTION = /^[ \t]*={2,}[ \t]*([^=\s](?:.*?[^=\s])?)[ \t]*=*[ \t]*$/;
/** `## Section` or `## Section ##` (markdown; `###` and deeper stay inside the section) */
const MD_SECTION = /^[ \t]*##(?!#)[ \t]*([^#\s](?:.*?[^#\s])?)(?:[ \t]+#+)?[ \t]*$/;

function sectionTitle(line: string): string | undefined {
  return (TXT_SECTION.exec(line) ?? MD_SECTION.exec(line))?.[1];
}

/**
 * Split a readme into name, header fields, intro and sections. Both markups are accepted in
 * both formats, as WordPress.org's parser does; the format decides how header fields are found:
 * - txt: a block of `Name: value` lines right after the name (WordPress.org's rule: an unknown
 *   name after a blank line ends the block, since that is the short description);
 * - md: any line before the first section whose name is a known readme header.
 */
export function splitReadme(text: string, format: ReadmeFormat): ReadmeStructure {
  const lines = readmeLines(text);
  let index = 0;
  while (index < lines.length && (lines[index] ?? '').trim() === '') index++;

  let name: string | undefined;
  let wordpressMarkup = false;
  const first = lines[index] ?? '';
  const txtName = TXT_NAME.exec(first);
  const mdName = txtName ? null : MD_NAME.exec(first);
  if (txtName?.[1]) {
    name = txtName[1];
    wordpressMarkup = true;
    index++;
  } else if (mdName?.[1]) {
    name = mdName[1];
    index++;
  }

  // Everything up to the first section heading is the preamble.
  const preamble: string[] = [];
  const sections: RawSection[] = [];
  const fences = new FenceTracker();
  let current: { title: string; lines: string[] } | undefined;
  for (; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const title = fences.inFence(line) ? undefined : sectionTitle(line);
    if (title !== undefined) {
      if (current) sections.push({ title: current.title, body: trimBlankLines(current.lines) });
      current = { title, lines: [] };
    } else if (current) {
      current.lines.push(line);
    } else {
      preamble.push(line);
    }
  }
  if (current) sections.push({ title: current.title, body: trimBlankLines(current.lines) });

  const { headers, intro } = format === 'txt' ? txtHeaders(preamble) : mdHeaders(preamble);
  return { name, wordpressMarkup, headers, intro: trimBlankLines(intro), sections };
}

function txtHeaders(preamble: string[]): { headers: HeaderLine[]; intro: string[] } {
  const headers: HeaderLine[] = [];
  let lastWasBlank = false;
  let index = 0;
  for (; index < preamble.length; index++) {
    const line = preamble[index] ?? '';
    if (line.trim() === '') {
      lastWasBlank = true;
      continue;
    }
    const header = parseHeaderLine(line);
    if (!header) break;
    if (!Object.hasOwn(README_HEADERS, header.key) && lastWasBlank) break;
    headers.push(header);
    lastWasBlank = false;
  }
  return { headers, intro: preamble.slice(index) };
}

function mdHeaders(preamble: string[]): { headers: HeaderLine[]; intro: string[] } {
  const headers: HeaderLine[] = [];
  const intro: string[] = [];
  const fences = new FenceTracker();
  for (const line of preamble) {
    const header = fences.inFence(line) ? undefined : parseHeaderLine(line);
    if (header && Object.hasOwn(README_HEADERS, header.key)) headers.push(header);
    else intro.push(line);
  }
  return { headers, intro };
}

function trimBlankLines(lines: string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && (lines[start] ?? '').trim() === '') start++;
  while (end > start && (lines[end - 1] ?? '').trim() === '') end--;
  return lines.slice(start, end).join('\n');
}
