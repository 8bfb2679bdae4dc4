/**
 * Absolute links handed to WordPress. They carry what the client needs to follow them
 * (apikey, branch), since WordPress downloads packages without our plugin's parameters.
 */
export interface LinkContext {
  publicUrl: string;
  slug: string;
  branch: string;
  apikey?: string;
}

function withQuery(base: string, params: Record<string, string | undefined>): string {
  let query = '';
  for (const key in params) {
    const value = params[key];
    if (value !== undefined) query += `${query ? '&' : ''}${key}=${encodeURIComponent(value)}`;
  }
  return `${base}?${query}`;
}

export function packageUrl(c: LinkContext, version: string): string {
  return withQuery(`${c.publicUrl}/api`, {
    action: 'download_latest',
    slug: c.slug,
    version,
    branch: c.branch,
    apikey: c.apikey,
  });
}

export function detailsUrl(c: LinkContext): string {
  return withQuery(`${c.publicUrl}/api`, { action: 'project_details', slug: c.slug, branch: c.branch, apikey: c.apikey });
}

export function assetUrl(c: LinkContext, version: string, file: string): string {
  return withQuery(`${c.publicUrl}/assets/${encodeURIComponent(c.slug)}/${encodeURIComponent(version)}/${encodeURIComponent(file)}`, {
    branch: c.branch,
    apikey: c.apikey,
  });
}
