/**
 * Reading what a site said when it answered with an error. Sites speak several dialects:
 * WordPress REST `{code, message, data: {status}}`, multisite-json-api `{id, message}` (message
 * sometimes an array, id sometimes the intended HTTP status), and `{error: "..."}`.
 */
export interface SiteErrorBody {
  /** The site's own error identifier (`rest_no_route`, `site_not_found`, `403`, …). */
  siteCode: string | undefined;
  /** A short, printable message, or undefined when the site gave none. */
  message: string | undefined;
}

const MAX_MESSAGE = 300;

/** Printable, bounded text from site input: it ends up in JSON answers and the audit log. */
export function cleanText(value: unknown, max = MAX_MESSAGE): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function readSiteError(json: unknown): SiteErrorBody {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { siteCode: undefined, message: undefined };
  const body = json as Record<string, unknown>;
  const rawCode = body.code ?? body.id;
  const siteCode = typeof rawCode === 'string' || typeof rawCode === 'number' ? cleanText(String(rawCode), 100) : undefined;
  let message: string | undefined;
  if (Array.isArray(body.message)) message = cleanText(body.message.filter((m) => typeof m === 'string').join('; '));
  else message = cleanText(body.message) ?? cleanText(body.error);
  return { siteCode, message };
}

/** WordPress answers 404 `rest_no_route` when the plugin providing the endpoint is not active. */
export function isNoRoute(json: unknown): boolean {
  return readSiteError(json).siteCode === 'rest_no_route';
}
