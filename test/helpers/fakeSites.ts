import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Small real WordPress sites for tests: one HTTP server on loopback hosting many sites, each
 * under its own base path `http://127.0.0.1:<port>/s/<n>` (or several servers, one per loopback
 * address such as 127.0.0.2, to stand for several hosts; sites are spread over them in turn). Each site behaves as the seeds'
 * endpoints do — the RakuWP remote API (seed 000) and the multisite JSON API (seed 002) —
 * and can be told to be slow, fail, answer garbage, redirect, hang or reset the connection.
 * Every request is recorded, and the server tracks how many were in flight at once: in all, per
 * site and per host.
 */

export type FakeBehaviour =
  | 'normal'
  /** 500 with a WordPress error body. */
  | 'fail'
  /** 200 with truncated JSON. */
  | 'malformed'
  /** 200 with a 2 MiB chunked body (no Content-Length). */
  | 'huge'
  /** 302 to another path of the same site (which is counted if anyone follows it). */
  | 'redirect'
  /** Never answers. */
  | 'hang'
  /** Drops the connection without an answer. */
  | 'reset';

export interface UpdateItem {
  slug: string;
  new_version: string;
  success: boolean;
  error?: string;
}

export interface UpdateAnswer {
  success: boolean;
  results: { plugins: UpdateItem[]; themes: UpdateItem[]; core: { new_version: string; success: boolean; error?: string } | null };
  errors: string[];
}

export interface SubSite {
  blog_id: number;
  domain: string;
  path: string;
  site_id: number;
  registered: string;
  last_updated: string;
  public: boolean;
  archived: boolean;
  mature: boolean;
  spam: boolean;
  deleted: boolean;
  lang_id: number;
  blogname: string;
  siteurl: string;
  post_count: number;
  home: string;
}

export interface FakeSiteOptions {
  /** The license key the site's plugin holds. Default: random. */
  key?: string;
  /** rakuwp_enabled_services includes Remote. Default true. */
  remoteEnabled?: boolean;
  /** Installed plugins (basename → active). Default: akismet, hello.php and the rakuwp plugin. */
  plugins?: Record<string, boolean>;
  /** What /remote/update answers. */
  update?: UpdateAnswer;
  behaviour?: FakeBehaviour;
  /** Wait this long before answering (a slow site). */
  delayMs?: number;
  /** Answer the RakuWP routes with this, after the key and service checks (e.g. a 400 or an odd body). */
  respondWith?: { status: number; body: unknown };
  /** Index of the host (address given to FakeSites.start) the site lives on. Default: in turn. */
  host?: number;
  /** A multisite network: the JSON API is present and checks these credentials. */
  multisite?: {
    user: string;
    password: string;
    /** Answer like the original plugin: WordPress strings for numbers and flags, and its status bugs. */
    legacy?: boolean;
    /**
     * The method the network's delete route is registered with. The seed says DELETE; the public
     * plugin registers POST, and WordPress answers any other method 404 rest_no_route. Default DELETE.
     */
    deleteMethod?: 'DELETE' | 'POST';
    subsites?: SubSite[];
  };
}

export interface FakeCall {
  site: number | null;
  method: string;
  /** Path inside the site (after /s/<n>), without the query. */
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export const DEFAULT_UPDATE: UpdateAnswer = {
  success: true,
  results: {
    plugins: [{ slug: 'akismet/akismet.php', new_version: '5.3', success: true }],
    themes: [{ slug: 'flavor', new_version: '2.1', success: true }],
    core: { new_version: '6.5', success: true },
  },
  errors: [],
};

const PLUGIN_ACTIONS = ['update', 'activate', 'deactivate', 'delete'];

export class FakeSite {
  key: string;
  remoteEnabled: boolean;
  plugins: Map<string, boolean>;
  update: UpdateAnswer;
  behaviour: FakeBehaviour;
  delayMs: number;
  respondWith: FakeSiteOptions['respondWith'];
  multisite: FakeSiteOptions['multisite'] & { subsites: SubSite[] } | undefined;
  /** Requests to this site being answered now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    readonly id: number,
    readonly url: string,
    options: FakeSiteOptions,
    private readonly allCalls: FakeCall[],
    /** The address of the server it lives on. */
    readonly host: string,
  ) {
    this.key = options.key ?? randomBytes(12).toString('hex');
    this.remoteEnabled = options.remoteEnabled ?? true;
    this.plugins = new Map(
      Object.entries(options.plugins ?? { 'akismet/akismet.php': true, 'hello.php': false, 'rakuwp/rakuwp.php': true }),
    );
    this.update = options.update ?? structuredClone(DEFAULT_UPDATE);
    this.behaviour = options.behaviour ?? 'normal';
    this.delayMs = options.delayMs ?? 0;
    this.respondWith = options.respondWith;
    this.multisite = options.multisite
      ? { ...options.multisite, subsites: options.multisite.subsites ?? [mainSubSite(url)] }
      : undefined;
  }

  /** Requests this site received. */
  calls(): FakeCall[] {
    return this.allCalls.filter((c) => c.site === this.id);
  }
}

function mainSubSite(url: string): SubSite {
  const u = new URL(url);
  return {
    blog_id: 1,
    domain: u.host,
    path: `${u.pathname}/`,
    site_id: 1,
    registered: '2024-01-01 00:00:00',
    last_updated: '2024-01-01 00:00:00',
    public: true,
    archived: false,
    mature: false,
    spam: false,
    deleted: false,
    lang_id: 0,
    blogname: 'Main',
    siteurl: url,
    post_count: 1,
    home: url,
  };
}

interface Listener {
  server: http.Server;
  host: string;
  port: number;
  origin: string;
  inFlight: number;
  maxInFlight: number;
}

export class FakeSites {
  readonly calls: FakeCall[] = [];
  /** TCP connections accepted (a refused call must not even connect). */
  connections = 0;
  inFlight = 0;
  maxInFlight = 0;
  private readonly sites = new Map<number, FakeSite>();
  private nextId = 1;

  private constructor(private readonly listeners: Listener[]) {}

  /** One server per address (e.g. ['127.0.0.1', '127.0.0.2']: two hosts), each on a free port. */
  static async start(hosts: string | string[] = '127.0.0.1'): Promise<FakeSites> {
    let self: FakeSites | undefined;
    const listeners: Listener[] = [];
    for (const host of typeof hosts === 'string' ? [hosts] : hosts) {
      const listener = {} as Listener;
      const server = http.createServer((req, res) => void self!.handle(listener, req, res));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      Object.assign(listener, { server, host, port, origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, inFlight: 0, maxInFlight: 0 });
      server.on('connection', () => (self!.connections += 1));
      listeners.push(listener);
    }
    self = new FakeSites(listeners);
    return self;
  }

  /** The first host's address, port and base URL (no site path). */
  get host(): string {
    return this.listeners[0]!.host;
  }
  get port(): number {
    return this.listeners[0]!.port;
  }
  get origin(): string {
    return this.listeners[0]!.origin;
  }

  add(options: FakeSiteOptions = {}): FakeSite {
    const id = this.nextId++;
    const listener = this.listeners[(options.host ?? id - 1) % this.listeners.length]!;
    const site = new FakeSite(id, `${listener.origin}/s/${id}`, options, this.calls, listener.host);
    this.sites.set(id, site);
    return site;
  }

  /** The most requests one site had in flight at once, over all sites (since resetStats). */
  maxInFlightPerSite(): number {
    return Math.max(0, ...[...this.sites.values()].map((s) => s.maxInFlight));
  }

  /** The most requests in flight at once per host address (since resetStats). */
  maxInFlightPerHost(): Record<string, number> {
    return Object.fromEntries(this.listeners.map((l) => [l.host, l.maxInFlight]));
  }

  resetStats(): void {
    this.calls.length = 0;
    this.connections = 0;
    this.inFlight = 0;
    this.maxInFlight = 0;
    for (const l of this.listeners) l.inFlight = l.maxInFlight = 0;
    for (const site of this.sites.values()) site.inFlight = site.maxInFlight = 0;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.listeners.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  private async handle(listener: Listener, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/s\/(\d+)(\/.*)?$/.exec(url.pathname);
    const site = match ? this.sites.get(Number(match[1])) : undefined;
    // Counted from the moment the request arrives until its answer is finished or the connection is gone.
    const counters = [this, listener, ...(site ? [site] : [])];
    for (const c of counters) {
      c.inFlight += 1;
      c.maxInFlight = Math.max(c.maxInFlight, c.inFlight);
    }
    let counted = true;
    const done = () => {
      if (counted) for (const c of counters) c.inFlight -= 1;
      counted = false;
    };
    res.on('close', done);

    const raw = await readBody(req);
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* keep the raw text */
    }
    const call: FakeCall = {
      site: site?.id ?? null,
      method: req.method ?? '',
      path: match?.[2] ?? url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    };
    this.calls.push(call);
    if (!site) return json(res, 404, { code: 'rest_no_route', message: 'No such site.', data: { status: 404 } });

    if (site.delayMs > 0) await sleep(site.delayMs);
    switch (site.behaviour) {
      case 'fail':
        return json(res, 500, { code: 'internal_server_error', message: 'There has been a critical error on this website.' });
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"success": tru');
        return;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        for (let i = 0; i < 32 && !res.destroyed; i++) {
          if (!res.write(chunk)) await drainOrClose(res);
        }
        res.end();
        return;
      }
      case 'redirect':
        res.writeHead(302, { location: `${site.url}/wp-json/elsewhere` });
        res.end();
        return;
      case 'hang':
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'normal':
        break;
    }
    const route = `${call.method} ${call.path}`;
    switch (route) {
      case 'POST /wp-json/rakuwp/v1/remote/update':
        if (!this.remoteAllowed(site, req, res)) return;
        if (site.respondWith) return json(res, site.respondWith.status, site.respondWith.body);
        return json(res, 200, site.update);
      case 'POST /wp-json/rakuwp/v1/remote/plugin-action':
        if (!this.remoteAllowed(site, req, res)) return;
        if (site.respondWith) return json(res, site.respondWith.status, site.respondWith.body);
        return pluginAction(site, body, res);
      case 'POST /wp-json/wp-multisites/v1/list':
      case 'POST /wp-json/wp-multisites/v1/create':
        if (site.multisite) return multisite(site, call, res);
        break;
      case 'DELETE /wp-json/wp-multisites/v1/delete':
      case 'POST /wp-json/wp-multisites/v1/delete':
        if (site.multisite && call.method === (site.multisite.deleteMethod ?? 'DELETE')) return multisite(site, call, res);
        break;
    }
    return json(res, 404, {
      code: 'rest_no_route',
      message: 'No route was found matching the URL and request method.',
      data: { status: 404 },
    });
  }

  private remoteAllowed(site: FakeSite, req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (req.headers['x-rakuwp-key'] !== site.key) {
      json(res, 401, { code: 'rakuwp_invalid_key', message: 'Missing or invalid X-RakuWP-Key header.', data: { status: 401 } });
      return false;
    }
    if (!site.remoteEnabled) {
      json(res, 403, { code: 'rakuwp_service_disabled', message: 'The Remote service is not enabled.', data: { status: 403 } });
      return false;
    }
    return true;
  }
}

function pluginAction(site: FakeSite, body: unknown, res: http.ServerResponse): void {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const missing = ['action', 'plugin'].filter((k) => typeof b[k] !== 'string' || !b[k]);
  if (missing.length) {
    return json(res, 400, { code: 'rest_missing_callback_param', message: `Missing parameter(s): ${missing.join(', ')}`, data: { status: 400 } });
  }
  const action = b.action as string;
  const plugin = b.plugin as string;
  if (!PLUGIN_ACTIONS.includes(action)) {
    return json(res, 400, { code: 'rest_invalid_param', message: 'Invalid parameter(s): action', data: { status: 400 } });
  }
  if (plugin.split('/')[0] === 'rakuwp') {
    return json(res, 403, { code: 'rakuwp_self_protection', message: 'Actions on the RakuWP plugin are blocked.', data: { status: 403 } });
  }
  if (!site.plugins.has(plugin)) {
    return json(res, 404, { code: 'rakuwp_plugin_not_found', message: 'Plugin not found.', data: { status: 404 } });
  }
  if (action === 'activate') site.plugins.set(plugin, true);
  if (action === 'deactivate') site.plugins.set(plugin, false);
  if (action === 'delete') site.plugins.delete(plugin);
  json(res, 200, { success: true, action, plugin });
}

function multisite(site: FakeSite, call: FakeCall, res: http.ServerResponse): void {
  const ms = site.multisite!;
  const legacy = ms.legacy === true;
  const fail = (status: number, id: string | number, message: string | string[]) =>
    // The original plugin's bug: error() took the status as the id and answered 400.
    json(res, legacy ? 400 : status, { id: legacy && status === 403 ? 403 : id, message });
  if (call.headers.user !== ms.user || call.headers.password !== ms.password) {
    return fail(403, 'forbidden', 'Invalid Username or Password');
  }
  const out = (s: SubSite) => (legacy ? wpStrings(s) : s);
  const body = (call.body && typeof call.body === 'object' ? call.body : {}) as Record<string, unknown>;

  if (call.path.endsWith('/list')) {
    const filters = (['public', 'spam', 'archived', 'deleted'] as const).filter((f) => call.query[f] !== undefined);
    const list = ms.subsites.filter((s) => filters.every((f) => s[f] === (call.query[f] === '1')));
    return json(res, 200, list.map(out));
  }
  if (call.path.endsWith('/create')) {
    const problems: string[] = [];
    if (typeof body.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(body.email)) problems.push('Invalid email address');
    if (typeof body.site_name !== 'string' || !/^[a-z0-9-]+$/.test(body.site_name)) problems.push('Invalid site name');
    if (typeof body.title !== 'string' || !body.title) problems.push('Invalid site title');
    if (problems.length) return fail(400, 'invalid_parameters', problems);
    if (ms.subsites.some((s) => s.path.endsWith(`/${body.site_name as string}/`))) {
      return fail(400, 'site_exists', 'Sorry, that site already exists!');
    }
    const main = ms.subsites[0] ?? mainSubSite(site.url);
    const blogId = Math.max(0, ...ms.subsites.map((s) => s.blog_id)) + 1;
    const path = `${new URL(site.url).pathname}/${body.site_name as string}/`;
    const created: SubSite = {
      ...main,
      blog_id: blogId,
      path,
      registered: '2024-06-01 12:00:00',
      last_updated: '2024-06-01 12:00:00',
      blogname: body.title as string,
      siteurl: `${new URL(site.url).origin}${path}`.replace(/\/$/, ''),
      home: `${new URL(site.url).origin}${path}`.replace(/\/$/, ''),
      post_count: 1,
    };
    ms.subsites.push(created);
    return json(res, 201, out(created));
  }
  // delete
  if (body.blog_id === undefined) {
    if (legacy) {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<b>Fatal error</b>: Uncaught Error');
      return;
    }
    return fail(400, 'missing_parameters', 'This endpoint needs a JSON payload of the form {"blog_id": 1, "drop": true}');
  }
  const index = ms.subsites.findIndex((s) => s.blog_id === Number(body.blog_id));
  if (index < 0) return fail(404, 'site_not_found', 'The site you are trying to delete does not exist.');
  const target = ms.subsites[index]!;
  if (body.drop === true) ms.subsites.splice(index, 1);
  else target.deleted = true;
  return json(res, 202, out({ ...target, deleted: true }));
}

/** How WordPress itself prints a site row: every number and flag as a string. */
function wpStrings(s: SubSite): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]),
  );
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function drainOrClose(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
