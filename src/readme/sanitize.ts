import sanitizeHtml from 'sanitize-html';

/** Schemes a link may use; anything else (relative, protocol-relative, javascript:, data:…) loses its link. */
const LINK_SCHEMES = ['http', 'https', 'mailto'];
/** Schemes an image may load from. */
const IMAGE_SCHEMES = ['http', 'https'];

/** Rel and target every kept link gets: readmes are shown in WordPress's modal and in iframes. */
export const LINK_REL = 'nofollow noopener noreferrer';
export const LINK_TARGET = '_blank';

/**
 * The scheme of a URL as a browser would see it: control characters and spaces removed
 * (browsers ignore them, so `java\tscript:` is still javascript:), lowercased.
 * undefined for a URL without a scheme.
 */
function urlScheme(url: string): string | undefined {
  const compact = url.replace(/[\x00-\x20\x7f]+/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(compact);
  return match?.[1]?.toLowerCase();
}

function hasScheme(url: string | undefined, schemes: readonly string[]): url is string {
  if (url === undefined) return false;
  const scheme = urlScheme(url);
  return scheme !== undefined && schemes.includes(scheme);
}

/** An absolute http(s) URL, as a browser would read its scheme. */
export function isWebUrl(url: string | undefined): url is string {
  return hasScheme(url, IMAGE_SCHEMES) && /^https?:\/\/[^/\s]/i.test(url.trim());
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'div', 'span',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
    'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'mark', 'abbr', 'q', 'cite',
    'blockquote', 'code', 'pre', 'kbd', 'samp', 'var',
    'ul', 'ol', 'li', 'dl', 'dt', 'dd',
    'a', 'img',
    'table', 'caption', 'colgroup', 'col', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
    'details', 'summary', 'figure', 'figcaption',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    abbr: ['title'],
    ol: ['start', 'reversed'],
    th: [{ name: 'align', multiple: false, values: ['left', 'right', 'center'] }, 'colspan', 'rowspan', 'scope'],
    td: [{ name: 'align', multiple: false, values: ['left', 'right', 'center'] }, 'colspan', 'rowspan'],
    col: ['span'],
    colgroup: ['span'],
    details: ['open'],
  },
  // marked marks fenced code with its language; nothing else may carry a class.
  allowedClasses: { code: ['language-*'] },
  allowedSchemes: LINK_SCHEMES,
  allowedSchemesByTag: { img: IMAGE_SCHEMES },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Tags whose content is code or fallback markup, never readable text: dropped with their content.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'template', 'xmp', 'noembed', 'noframes', 'title'],
  transformTags: {
    // Rebuild attributes so no rel/target from the readme survives.
    a: (tagName, attribs) => {
      if (!hasScheme(attribs.href, LINK_SCHEMES)) return { tagName, attribs: {} };
      const kept: Record<string, string> = { href: attribs.href, rel: LINK_REL, target: LINK_TARGET };
      if (attribs.title !== undefined) kept.title = attribs.title;
      return { tagName, attribs: kept };
    },
  },
  // Filtered here rather than by renaming tags in transformTags: sanitize-html 2.17 leaves the
  // rename behind for the next closing tag at that depth when a renamed tag is discarded.
  exclusiveFilter: (frame) => {
    // A link to another scheme keeps its text.
    if (frame.tag === 'a') return hasScheme(frame.attribs.href, LINK_SCHEMES) ? false : 'excludeTag';
    // An image that cannot load from http(s) goes entirely (it has no text).
    if (frame.tag === 'img') return !hasScheme(frame.attribs.src, IMAGE_SCHEMES);
    return false;
  },
};

/**
 * Sanitize HTML that came from a repository (rendered readmes): ordinary formatting, headings,
 * lists, tables, code, http(s)/mailto links and http(s) images only. No scripts, styles, frames,
 * forms, event handlers, style attributes or javascript:/data: URLs. Idempotent.
 */
export function sanitizeReadmeHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

const TEXT_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  nonTextTags: OPTIONS.nonTextTags,
};

/** Decode the entities sanitize-html writes when it escapes text. */
function decodeBasicEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Plain text of an HTML fragment (tags removed, entities decoded, whitespace collapsed). Escape it before putting it into HTML. */
export function htmlToText(html: string): string {
  return decodeBasicEntities(sanitizeHtml(html, TEXT_OPTIONS)).replace(/\s+/g, ' ').trim();
}
