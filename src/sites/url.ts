/**
 * A site's base URL, normalised: http or https only, no user-info, query or fragment,
 * lower-case host, default port dropped, no trailing slash (a sub-directory install keeps its path).
 * Returns an error message instead of throwing, for zod refinements.
 */
export function normaliseSiteUrl(input: string): { url: string } | { error: string } {
  let parsed: URL;
  try {
    parsed = new URL(input.trim());
  } catch {
    return { error: 'must be an absolute http(s) URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { error: 'must use http or https' };
  if (parsed.username || parsed.password) return { error: 'must not contain credentials' };
  if (parsed.search || input.includes('?')) return { error: 'must not contain a query string' };
  if (parsed.hash || input.includes('#')) return { error: 'must not contain a fragment' };
  if (!parsed.hostname) return { error: 'must name a host' };
  const path = parsed.pathname.replace(/\/+$/, '');
  return { url: `${parsed.protocol}//${parsed.host}${path}` };
}
