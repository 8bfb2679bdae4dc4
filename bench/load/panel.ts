/**
 * The few panel calls the fan-out measure needs: log in (session cookie + CSRF token), then
 * JSON requests carrying both.
 */
export class PanelSession {
  private cookie = '';
  private csrf = '';

  private constructor(private readonly baseUrl: string) {}

  static async login(baseUrl: string, username: string, password: string): Promise<PanelSession> {
    const session = new PanelSession(baseUrl);
    const res = await session.request('POST', '/auth/login', { username, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return session;
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const cookies = res.headers.getSetCookie();
    if (cookies.length) this.cookie = cookies.map((c) => c.split(';')[0]).join('; ');
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    const token = field(parsed, 'csrfToken');
    if (typeof token === 'string') this.csrf = token;
    return { status: res.status, body: parsed };
  }
}

/** A nested field of a JSON answer (`field(body, 'job', 'id')`), or undefined. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
