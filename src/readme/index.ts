export { parseWpHeader, HEADER_SCAN_BYTES } from './header.js';
export { parseReadme } from './parse.js';
export { renderDetailsPage, DETAILS_PAGE_CSP, type DetailsPageInput } from './page.js';
export { sanitizeReadmeHtml, htmlToText, LINK_REL, LINK_TARGET } from './sanitize.js';
export { renderMarkdown, EMPHASIS_SCAN_BUDGET } from './markdown.js';
export { sectionKey } from './sectionKey.js';
export type { ReadmeDetails } from './types.js';
export type { ReadmeFormat } from './structure.js';
