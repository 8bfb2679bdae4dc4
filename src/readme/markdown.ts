import { Marked } from 'marked';
import { htmlToText, sanitizeReadmeHtml } from './sanitize.js';

/**
 * marked 17 rescans the rest of a paragraph for every emphasis opener that has no closer, so a
 * paragraph of `*a *a *a …` takes quadratic time (30 s for 24 KB) and blocks the event loop.
 * Each inline text gets this many characters of (estimated) closer scanning; past it, `*`, `_`
 * and `~` are plain text. Ordinary readmes stay far below it.
 */
export const EMPHASIS_SCAN_BUDGET = 2_000_000;

/** Characters scanned so far per inline text (marked hands the same masked string to every call for one text). */
const scanned = new Map<string, number>();

function mayScanEmphasis(src: string, maskedSrc: string): boolean {
  if (!/^[*_~]/.test(src)) return true;
  const used = (scanned.get(maskedSrc) ?? 0) + src.length;
  scanned.set(maskedSrc, used);
  return used <= EMPHASIS_SCAN_BUDGET;
}

// An own instance, so options set elsewhere on the global `marked` never change readme output.
const markdown = new Marked(
  { gfm: true, breaks: false },
  {
    tokenizer: {
      // false: let marked's own tokenizer run; undefined: no emphasis here, the delimiter is text.
      emStrong: (src, maskedSrc) => (mayScanEmphasis(src, maskedSrc) ? false : undefined),
      del: (src, maskedSrc) => (mayScanEmphasis(src, maskedSrc) ? false : undefined),
    },
  },
);

function withBudget<T>(render: () => T): T {
  try {
    return render();
  } finally {
    scanned.clear();
  }
}

/** Markdown (with inline HTML) to sanitized HTML. */
export function renderMarkdown(source: string): string {
  return sanitizeReadmeHtml(withBudget(() => markdown.parse(source, { async: false })));
}

/** Inline markdown to plain text: `**Fast** [docs](…) & more` → `Fast docs & more`. */
export function markdownToText(source: string): string {
  return htmlToText(withBudget(() => markdown.parseInline(source, { async: false })));
}
