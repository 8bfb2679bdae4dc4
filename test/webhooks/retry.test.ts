import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.js';
import { MirrorSource } from '../../src/mirrors/index.js';
import { Poller } from '../../src/publishing/poller.js';
import { ReleaseService } from '../../src/releases/service.js';
import { createWebhooksRouter } from '../../src/webhooks/index.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, eventually, latestOf, PluginRemote, registryWith } from '../publishing/support.js';

const SECRET = 'retry-secret-41';

/** Refresh attempts logged by the ReleaseService for a slug, by reason. */
function attempts(lines: Record<string, unknown>[], slug: string): string[] {
  return lines
    .filter((l) => l.slug === slug && (l.msg === 'releases resolved' || l.msg === 'refresh failed; serving the last good releases'))
    .map((l) => `${String(l.reason)}:${l.msg === 'releases resolved' ? 'ok' : 'failed'}`);
}

async function setup(slug: string, intervalSeconds: number) {
  const remote = new PluginRemote(slug);
  const capture = captureLogger();
  const { registry } = await registryWith({ [slug]: { repository: remote.fileUrl, webhookSecret: { env: 'RETRY_SECRET' } } }, capture.log, { RETRY_SECRET: SECRET });
  const releases = new ReleaseService(registry, new MirrorSource({ dataDir: tempDir('data-'), log: capture.log }), capture.log);
  await releases.start();
  const poller = new Poller({ projects: registry, releases, log: capture.log, intervalSeconds, retryBaseSeconds: 0.2 });
  poller.start();
  const koa = new Koa();
  koa.use(errorHandler(capture.log));
  const router = createWebhooksRouter({ projects: registry, releases, log: capture.log });
  koa.use(router.routes()).use(router.allowedMethods());
  const server = http.createServer(koa.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const push = async () => {
    const body = JSON.stringify({ ref: 'refs/tags/v1.1.0' });
    const res = await fetch(`${url}/webhooks/${slug}`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` },
    });
    return res.status;
  };
  const close = async () => {
    await poller.close();
    await releases.close();
    await new Promise((r) => server.close(r));
  };
  return { remote, releases, poller, push, close, ...capture };
}

describe('a failed webhook refresh is retried with backoff', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('polling on: the retry comes at the backoff delay, not at the end of the interval', async () => {
    const h = await setup('hookretry', 60);
    cleanups.push(h.close);
    // Let the poller's first turn pass (the project was just read: it waits a full interval now).
    await new Promise((r) => setTimeout(r, 500));
    h.remote.release('1.1.0');
    const away = `${h.remote.bare}-away`;
    fs.renameSync(h.remote.bare, away); // the host goes down right after the push

    expect(await h.push()).toBe(202);
    await eventually(() => (attempts(h.lines, 'hookretry').includes('webhook:failed') ? true : undefined));
    expect(latestOf(h.releases, 'hookretry')).toBe('1.0.0'); // the last good releases are still served
    await eventually(() => (attempts(h.lines, 'hookretry').filter((a) => a === 'poll:failed').length >= 1 ? true : undefined), 3000);

    fs.renameSync(away, h.remote.bare); // the host is back: no second webhook
    const since = Date.now();
    await eventually(() => (latestOf(h.releases, 'hookretry') === '1.1.0' ? true : undefined), 5000);
    expect(Date.now() - since).toBeLessThan(5000); // far from the 60 s interval
    expect(h.releases.state('hookretry')).toMatchObject({ error: null, failures: 0 });
    expect(attempts(h.lines, 'hookretry').at(-1)).toBe('poll:ok');
    expect(h.lines.some((l) => l.msg === 'refresh failed; retrying with backoff' && l.reason === 'webhook')).toBe(true);

    // Healthy again: the next turn is an interval away.
    const count = attempts(h.lines, 'hookretry').length;
    await new Promise((r) => setTimeout(r, 800));
    expect(attempts(h.lines, 'hookretry').length).toBe(count);
    expect(h.poller.scheduled()).toEqual(['hookretry']);
  });

  it('polling off (interval 0): failed refreshes are retried until one succeeds, then nothing is scheduled', async () => {
    const h = await setup('offretry', 0);
    cleanups.push(h.close);
    expect(h.poller.scheduled()).toEqual([]);
    h.remote.release('1.1.0');
    const away = `${h.remote.bare}-away`;
    fs.renameSync(h.remote.bare, away);

    expect(await h.push()).toBe(202);
    await eventually(() => (attempts(h.lines, 'offretry').includes('retry:failed') ? true : undefined), 3000);
    expect(h.poller.scheduled()).toEqual(['offretry']);

    fs.renameSync(away, h.remote.bare);
    await eventually(() => (latestOf(h.releases, 'offretry') === '1.1.0' ? true : undefined), 5000);
    expect(attempts(h.lines, 'offretry').at(-1)).toBe('retry:ok');
    expect(h.poller.scheduled()).toEqual([]);
    const count = attempts(h.lines, 'offretry').length;
    await new Promise((r) => setTimeout(r, 800));
    expect(attempts(h.lines, 'offretry').length).toBe(count);
  });
});
