import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.js';
import { MirrorSource } from '../../src/mirrors/index.js';
import type { ProjectSettings } from '../../src/projects/types.js';
import { ReleaseService } from '../../src/releases/service.js';
import type { RepositorySource } from '../../src/releases/types.js';
import { createWebhooksRouter } from '../../src/webhooks/index.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, eventually, latestOf, PluginRemote, registryWith } from '../publishing/support.js';

const SECRET = 'whsec-Zx81-qq';
const hmac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** The real MirrorSource, counting syncs and optionally held at a gate (to prove the answer does not wait). */
class CountingSource implements RepositorySource {
  syncs = 0;
  gate: Promise<void> | null = null;
  constructor(private readonly inner: RepositorySource) {}
  async sync(project: ProjectSettings): Promise<string> {
    this.syncs++;
    if (this.gate) await this.gate;
    return this.inner.sync(project);
  }
}

/** What each kind of host sends for a push, signed with `secret`. */
const HOSTS: Record<string, (body: string, secret?: string) => Record<string, string>> = {
  github: (body, secret) => ({ 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'd-1', 'X-Hub-Signature-256': `sha256=${hmac(body, secret)}` }),
  gitlab: (_body, secret = SECRET) => ({ 'X-Gitlab-Event': 'Tag Push Hook', 'X-Gitlab-Token': secret }),
  gitea: (body, secret) => ({ 'X-Gitea-Event': 'push', 'X-Gitea-Signature': hmac(body, secret) }),
  forgejo: (body, secret) => ({ 'X-Forgejo-Event': 'push', 'X-Forgejo-Signature': hmac(body, secret) }),
  'generic X-Signature-256': (body, secret) => ({ 'X-Signature-256': `sha256=${hmac(body, secret)}` }),
  'generic X-Hub-Signature-256': (body, secret) => ({ 'X-Hub-Signature-256': `sha256=${hmac(body, secret)}` }),
};

describe('POST /webhooks/:slug', () => {
  const remote = new PluginRemote('hooked');
  const capture = captureLogger();
  let url: string;
  let server: http.Server;
  let releases: ReleaseService;
  let source: CountingSource;
  let version = 0;

  beforeAll(async () => {
    const { registry } = await registryWith(
      {
        hooked: { repository: remote.fileUrl, webhookSecret: { env: 'HOOK_SECRET' } },
        nosecret: { repository: remote.fileUrl, info: 'hooked.php' },
      },
      capture.log,
      { HOOK_SECRET: SECRET },
    );
    source = new CountingSource(new MirrorSource({ dataDir: tempDir('data-'), log: capture.log }));
    releases = new ReleaseService(registry, source, capture.log);
    await releases.start();
    const router = createWebhooksRouter({ projects: registry, releases, log: capture.log });
    const koa = new Koa();
    koa.use(errorHandler(capture.log));
    koa.use(router.routes()).use(router.allowedMethods());
    server = http.createServer(koa.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await releases.close();
    server.close();
  });

  const post = (slug: string, body: string, headers: Record<string, string>) =>
    fetch(`${url}/webhooks/${slug}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });

  it.each(Object.keys(HOSTS))('%s: a valid signature answers 202 and the new tag is served within a second', async (host) => {
    const next = `1.${++version}.0`;
    remote.release(next);
    const body = JSON.stringify({ ref: `refs/tags/v${next}`, repository: { name: 'hooked' } });
    const res = await post('hooked', body, HOSTS[host]!(body));
    expect(res.status).toBe(202);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'accepted', slug: 'hooked' });
    await eventually(() => (latestOf(releases, 'hooked') === next ? true : undefined), 1000, 10);
  });

  it('answers before the fetch runs (the refresh happens after the answer)', async () => {
    let open!: () => void;
    source.gate = new Promise((r) => (open = r));
    const before = source.syncs;
    const next = `1.${++version}.0`;
    remote.release(next);
    const body = '{"ref":"refs/heads/main"}';
    const res = await post('hooked', body, HOSTS.github!(body));
    expect(res.status).toBe(202);
    await eventually(() => (source.syncs === before + 1 ? true : undefined));
    expect(latestOf(releases, 'hooked')).not.toBe(next); // still held at the gate
    source.gate = null;
    open();
    await eventually(() => (latestOf(releases, 'hooked') === next ? true : undefined), 2000);
  });

  it('refuses bad, missing, malformed and mixed signatures with 401 and changes nothing', async () => {
    const before = latestOf(releases, 'hooked');
    const syncs = source.syncs;
    remote.release(`1.${++version}.0`);
    const body = '{"ref":"refs/tags/x"}';
    const cases: Record<string, string>[] = [
      {}, // missing
      { 'X-GitHub-Event': 'push' }, // missing, with an event
      HOSTS.github!(body, 'wrong-secret'),
      HOSTS.github!('{"other":"body"}'), // signature of another body
      { 'X-Hub-Signature-256': hmac(body) }, // no "sha256=" prefix
      { 'X-Hub-Signature-256': `sha1=${hmac(body)}` },
      { 'X-Hub-Signature-256': `sha256=${hmac(body).slice(0, 60)}` },
      HOSTS.gitlab!(body, 'wrong-secret'),
      HOSTS.gitlab!(body, `${SECRET}x`),
      HOSTS.gitea!(body, 'wrong-secret'),
      HOSTS.forgejo!(body, 'wrong-secret'),
      HOSTS['generic X-Signature-256']!(body, 'wrong-secret'),
      // A wrong signature is not rescued by a right one in a later-checked header.
      { ...HOSTS.github!(body, 'wrong-secret'), 'X-Gitlab-Token': SECRET },
      { ...HOSTS.gitea!(body, 'wrong-secret'), 'X-Gitlab-Token': SECRET },
    ];
    for (const headers of cases) {
      const res = await post('hooked', body, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe('unauthorized');
      expect(json.error.message).toBe(Object.keys(headers).some((h) => /signature|token/i.test(h)) ? 'Invalid webhook signature.' : 'Missing webhook signature.');
    }
    // Give a wrongly scheduled refresh every chance to show up.
    await new Promise((r) => setTimeout(r, 300));
    expect(source.syncs).toBe(syncs);
    expect(latestOf(releases, 'hooked')).toBe(before);
  });

  it('answers a GitHub ping with 200 and does not refresh', async () => {
    const syncs = source.syncs;
    const body = '{"zen":"Design for failure."}';
    const res = await post('hooked', body, { 'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': `sha256=${hmac(body)}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', slug: 'hooked', event: 'ping' });
    // A ping must be signed like any other delivery.
    const bad = await post('hooked', body, { 'X-GitHub-Event': 'ping', 'X-Hub-Signature-256': `sha256=${hmac(body, 'nope')}` });
    expect(bad.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(source.syncs).toBe(syncs);
  });

  it('acknowledges events that cannot move a tag without refreshing', async () => {
    const syncs = source.syncs;
    const body = '{"action":"opened"}';
    const res = await post('hooked', body, { 'X-GitHub-Event': 'issues', 'X-Hub-Signature-256': `sha256=${hmac(body)}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ignored', slug: 'hooked', event: 'issues' });
    await new Promise((r) => setTimeout(r, 100));
    expect(source.syncs).toBe(syncs);
  });

  it('answers 404 for unknown and invalid slugs, before reading anything', async () => {
    const body = '{}';
    for (const slug of ['unknown', 'UPPER', '..%2F..%2Fetc', '.hidden', '-x', 'a%00b']) {
      const res = await post(slug, body, HOSTS.github!(body));
      expect(res.status, slug).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('answers 403 for a project without a webhookSecret', async () => {
    const body = '{}';
    const res = await post('nosecret', body, HOSTS.github!(body));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: { code: 'forbidden', message: 'Webhooks are not enabled for this project (no webhookSecret in its settings).' },
    });
  });

  it('answers 413 for a body over 1 MiB, declared or streamed', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    const declared = await post('hooked', big, HOSTS.github!(big));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');

    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${url}/webhooks/hooked`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked', ...HOSTS.github!(big) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 17; i++) req.write('y'.repeat(64 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
  });

  it('only accepts POST', async () => {
    const res = await fetch(`${url}/webhooks/hooked`);
    expect(res.status).toBe(405);
  });

  it('never logs the secret or a signature', () => {
    const text = capture.text();
    expect(text).toContain('webhook accepted: refreshing');
    expect(text).toContain('webhook refused: bad or missing signature');
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
  });
});

describe('POST /webhooks/:slug with an unresolved webhookSecret reference', () => {
  it('answers 404: the reference disables the settings file, it does not turn webhooks off (403)', async () => {
    const remote = new PluginRemote('unresolved');
    const { log } = captureLogger();
    const { registry } = await registryWith({ unresolved: { repository: remote.fileUrl, webhookSecret: { env: 'NOT_SET_FOR_THIS_TEST' } } }, log, {});
    expect(registry.get('unresolved')).toBeUndefined();
    expect(registry.problems().map((p) => [p.key, p.message])).toEqual([['webhookSecret', 'environment variable NOT_SET_FOR_THIS_TEST is not set']]);
    const releases = new ReleaseService(registry, new MirrorSource({ dataDir: tempDir('data-'), log }), log);
    const koa = new Koa();
    koa.use(errorHandler(log));
    const router = createWebhooksRouter({ projects: registry, releases, log });
    koa.use(router.routes()).use(router.allowedMethods());
    const server = http.createServer(koa.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const body = '{}';
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/unresolved`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': `sha256=${hmac(body)}` },
      });
      expect(res.status).toBe(404);
    } finally {
      await releases.close();
      server.close();
    }
  });
});
