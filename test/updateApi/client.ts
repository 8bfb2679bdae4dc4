import { unserializePhp } from '../helpers/php.js';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  value: any;
}

/** Calls /api with query parameters (GET) or a form body (POST) and decodes the PHP-serialized answer. */
export async function api(
  baseUrl: string,
  params: Record<string, string>,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const query = new URLSearchParams(params).toString();
  const res =
    options.method === 'POST'
      ? await fetch(`${baseUrl}/api`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
          body: query,
        })
      : await fetch(`${baseUrl}/api?${query}`, { headers: options.headers });
  const text = await res.text();
  let value: unknown = undefined;
  if ((res.headers.get('content-type') ?? '').startsWith('text/plain')) value = unserializePhp(text);
  return { status: res.status, headers: res.headers, text, value };
}
