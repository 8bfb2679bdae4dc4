import type { ParsedReadme } from '../releases/types.js';
import { escapeHtml } from './escape.js';
import { sanitizeReadmeHtml } from './sanitize.js';

export interface DetailsPageInput {
  title: string;
  version: string;
  readme: ParsedReadme | null;
}

/** No scripts, no fetches, no frames: only inline styles and images. */
export const DETAILS_PAGE_CSP = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'";

const STYLE = `
body{margin:0;font:15px/1.6 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2327;background:#fff}
header{padding:16px 24px;border-bottom:1px solid #dcdcde;background:#f6f7f7}
h1{margin:0;font-size:1.5em}
.meta{margin:4px 0 0;padding:0;list-style:none;color:#50575e;font-size:.9em}
.meta li{display:inline;margin-right:1.5em}
main{padding:8px 24px 24px;max-width:60em}
h2{font-size:1.25em;border-bottom:1px solid #dcdcde;padding-bottom:4px;margin-top:1.5em}
h4{margin-bottom:.25em}
pre{background:#f6f7f7;padding:8px;overflow:auto}
code{font-family:Consolas,Monaco,monospace;font-size:.9em}
table{border-collapse:collapse}
th,td{border:1px solid #dcdcde;padding:4px 8px}
img{max-width:100%;height:auto}
.empty{color:#50575e;font-style:italic}
`;

function metaItems(version: string, readme: ParsedReadme | null): string[] {
  const items = [`Version ${escapeHtml(version)}`];
  if (readme?.requires) items.push(`Requires WordPress ${escapeHtml(readme.requires)}`);
  if (readme?.tested) items.push(`Tested up to ${escapeHtml(readme.tested)}`);
  if (readme?.requiresPhp) items.push(`Requires PHP ${escapeHtml(readme.requiresPhp)}`);
  return items;
}

/**
 * A complete, self-contained HTML5 page showing a project's readme: the project_details page
 * and a theme's details iframe. The readme HTML is sanitized again here, so a ParsedReadme
 * from any source is safe; the page carries a CSP that forbids scripts in any case.
 */
export function renderDetailsPage(input: DetailsPageInput): string {
  const title = escapeHtml(input.title);
  const readmeHtml = input.readme ? sanitizeReadmeHtml(input.readme.html).trim() : '';
  const body = readmeHtml !== '' ? readmeHtml : '<p class="empty">No readme.</p>';
  const meta = metaItems(input.version, input.readme).map((item) => `<li>${item}</li>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${DETAILS_PAGE_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} ${escapeHtml(input.version)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<ul class="meta">${meta}</ul>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}
