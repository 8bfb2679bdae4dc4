/**
 * A panel client for tests, speaking the panel's HTTP contract:
 * POST /auth/login {username, password} → 200 {user, csrfToken} + session cookie;
 * every state-changing call sends the cookie and X-CSRF-TOKEN.
 */
export class PanelClient {
  cookie = '';
  csrfToken = '';

  constructor(readonly baseUrl: string) {}

  static async login(baseUrl: string, username: string, password: string): Promise<PanelClient> {
    const client = new PanelClient(baseUrl);
    const res = await client.request('POST', '/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return client;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrfToken && options.csrf !== false && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const setCookie = res.headers.getSetCookie();
    if (setCookie.length) this.cookie = setCookie.map((c) => c.split(';')[0]).join('; ');
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    if (parsed && typeof parsed === 'object' && 'csrfToken' in parsed) this.csrfToken = String((parsed as any).csrfToken);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }
  post(path: string, body?: unknown) {
    return this.request('POST', path, body ?? {});
  }
}
