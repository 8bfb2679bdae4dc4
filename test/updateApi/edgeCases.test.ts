import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo, pluginHeader, themeHeader } from '../helpers/git.js';
import { isPhpArray } from '../helpers/php.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { createFastPath } from '../../src/updateApi/fastPath.js';
import { MetadataAnswers } from '../../src/updateApi/metadata.js';
import { UpdateApiService } from '../../src/updateApi/service.js';
import { api } from './client.js';

/** Repositories whose content is hostile or unusual, each served as its own project. */
function repos() {
  const hostile = new TestRepo();
  hostile.write('hostile.php', pluginHeader('Hostile', '1.0.0', { Author: 'Eve', 'Author URI': 'javascript:alert(1)', 'Plugin URI': 'data:text/html,x' })).commit('1');
  hostile.tag('v1.0.0');

  const spaced = new TestRepo(); // no tag: the head's header is the version, and this one cannot be served
  spaced.write('spaced.php', pluginHeader('Spaced', '1.0 beta')).commit('head');

  const fourPart = new TestRepo();
  fourPart.write('four.php', pluginHeader('Four', '1.2.3.5')).commit('head');

  const channel = new TestRepo(); // main holds a pre-release tag, but main is not a pre-release channel
  channel.write('channel.php', pluginHeader('Channel', '1.0.0')).write('old.txt', 'only in 1.0.0\n').commit('1.0.0');
  channel.tag('v1.0.0');
  channel.remove('old.txt');
  channel.write('channel.php', pluginHeader('Channel', '1.1.0-beta.1')).commit('beta');
  channel.tag('v1.1.0-beta.1');
  channel.write('channel.php', pluginHeader('Channel', '1.1.0')).commit('1.1.0');
  channel.tag('v1.1.0');

  const theme = new TestRepo();
  theme.write('style.css', themeHeader('Folded', '2.0.0')).commit('2.0.0');
  theme.tag('2.0.0');
  return { hostile, spaced, fourPart, channel, theme };
}

let server: TestServer;
let r: ReturnType<typeof repos>;

beforeAll(async () => {
  r = repos();
  server = await startServer({
    env: { TRUST_PROXY: '1' },
    settings: {
      hostile: { repository: r.hostile.dir },
      spaced: { repository: r.spaced.dir },
      four: { repository: r.fourPart.dir, info: 'four.php' },
      channel: { repository: r.channel.dir },
      folded: { repository: r.theme.dir, info: 'style.css', folderName: 'folded-theme' },
      lan: { repository: r.channel.dir, info: 'channel.php', allowed: [{ ip: '10.0.0.0/8' }] },
    },
  });
  await server.app.ready;
});
afterAll(() => server.close());

describe('what a repository says is not trusted', () => {
  it('drops header URLs that are not http(s): no javascript: link reaches WordPress', async () => {
    const info = (await api(server.url, { action: 'plugin_information', slug: 'hostile' })).value;
    expect(info.author).toBe('Eve');
    expect(info.author_profile).toBeUndefined();
    expect(info.homepage).toBe(`${server.url}/api?action=project_details&slug=hostile&branch=main`);
    const update = (await api(server.url, { action: 'basic_check', slug: 'hostile', version: '0.9' })).value;
    expect(update.url).toBe(info.homepage);
  });

  it('serves no release for a head whose Version cannot go into a URL, and says why', async () => {
    const res = await api(server.url, { action: 'basic_check', slug: 'spaced', version: '0.1' });
    expect(res.status).toBe(404);
    expect(res.value).toMatchObject({ status: 'error', errorCode: 42, slug: 'spaced' });
    const problem = server.logs.find((l) => l.msg === 'release problem' && l.slug === 'spaced');
    expect(problem?.problem).toBe('branch main: spaced.php says Version "1.0 beta": letters, digits and . + _ - only (at most 64); no release');
  });

  it('compares four-part versions part by part', async () => {
    expect((await api(server.url, { action: 'basic_check', slug: 'four', version: '1.2.3.4' })).value.new_version).toBe('1.2.3.5');
    expect((await api(server.url, { action: 'basic_check', slug: 'four', version: '1.2.3.5' })).value.status).toBe('ok');
  });
});

describe('channels and rollbacks', () => {
  it('never serves a pre-release tag on a branch that is not a pre-release channel, not even by version', async () => {
    expect((await api(server.url, { action: 'basic_check', slug: 'channel', version: '1.0.0' })).value.new_version).toBe('1.1.0');
    const beta = await fetch(`${server.url}/api?action=download_latest&slug=channel&version=1.1.0-beta.1`);
    expect(beta.status).toBe(404);
    await beta.arrayBuffer();
    expect((await fetch(`${server.url}/api?action=download_latest&slug=channel&version=1.1.0`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers 503 with code 50, not 500, when the repository cannot produce a release zip', async () => {
    // 1.0.0's zip was never built (only the latest is prebuilt); lose a blob only that tree has.
    const blob = r.channel.git('rev-parse', 'v1.0.0:old.txt');
    const loose = path.join(r.channel.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2));
    fs.rmSync(loose);
    const res = await api(server.url, { action: 'download_latest', slug: 'channel', version: '1.0.0' });
    expect(res.status).toBe(503);
    expect(res.value).toMatchObject({ status: 'error', errorCode: 50, slug: 'channel' });
    expect(server.logs.some((l) => l.msg === 'building a release zip failed' && l.slug === 'channel')).toBe(true);
  });
});

describe('themes', () => {
  it('keys a theme update by its folder (the stylesheet WordPress knows it by)', async () => {
    const res = await api(server.url, { action: 'basic_check', slug: 'folded', version: '1.0.0' });
    expect(isPhpArray(res.value)).toBe(true);
    expect(res.value.theme).toBe('folded-theme');
  });
});

describe('client address behind a proxy (TRUST_PROXY=1)', () => {
  it('takes the address the proxy appended, not one the client wrote, on GET and POST alike', async () => {
    const params = { action: 'basic_check', slug: 'lan', version: '1.0.0' };
    for (const method of ['GET', 'POST'] as const) {
      const spoofed = await api(server.url, params, { method, headers: { 'x-forwarded-for': '10.1.2.3, 203.0.113.9' } });
      expect(spoofed.status, method).toBe(403);
      const real = await api(server.url, params, { method, headers: { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' } });
      expect(real.status, method).toBe(200);
      expect(real.value.new_version).toBe('1.1.0');
    }
  });
});

describe('the fast path and the Koa route', () => {
  it('answer a GET and a POST of the same request with the same status, headers and bytes', async () => {
    const cases: Record<string, string>[] = [
      { action: 'basic_check', slug: 'channel', version: '1.0.0' },
      { action: 'basic_check', slug: 'channel', version: '1.1.0' },
      { action: 'plugin_information', slug: 'channel' },
      { action: 'basic_check', slug: 'folded', version: '1.0.0', apikey: 'x y&z' },
    ];
    for (const params of cases) {
      const get = await api(server.url, params);
      const post = await api(server.url, params, { method: 'POST' });
      expect(get.status).toBe(200);
      expect([post.status, post.text]).toEqual([get.status, get.text]);
      for (const h of ['content-type', 'content-length', 'cache-control']) expect(post.headers.get(h), h).toBe(get.headers.get(h));
    }
    const lines = server.logs.filter((l) => l.msg === 'request' && l.slug === 'channel' && l.action === 'plugin_information');
    expect(lines.map((l) => l.method).sort()).toEqual(['GET', 'POST']);
  });

  it('the fast path answers successful GET update checks itself and declines everything else', async () => {
    const { app } = server;
    const answers = new MetadataAnswers(app.config, new UpdateApiService(app.projects, app.releases), app.downloads);
    const fastPath = createFastPath({ answers, log: app.log, trustProxy: 0 });
    // What the fast path declines would go to Koa; here it is marked 599 instead.
    const bare = http.createServer((req, res) => {
      if (!fastPath(req, res)) res.writeHead(599).end();
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    try {
      const status = async (path: string, init?: RequestInit) => (await fetch(`${base}${path}`, init)).status;
      expect(await status('/api?action=basic_check&slug=channel&version=1.0.0')).toBe(200);
      expect(await status('/api?action=basic_check&slug=channel&version=1.1.0')).toBe(200);
      expect(await status('/api?action=plugin_information&slug=channel')).toBe(200);
      for (const declined of [
        '/api?action=download_latest&slug=channel',
        '/api?action=project_details&slug=channel',
        '/api?action=basic_check&slug=channel', // no version: 400 from Koa
        '/api?action=basic_check&slug=nope&version=1.0.0', // unknown: 404 from Koa
        '/api?action=basic_check&slug=lan&version=1.0.0', // refused by its ip rule: 403 from Koa
        '/healthz',
      ]) {
        expect(await status(declined), declined).toBe(599);
      }
      expect(await status('/api?action=basic_check&slug=channel&version=1.0.0', { method: 'HEAD' })).toBe(599);
    } finally {
      await new Promise((r) => bare.close(r));
    }
  });
});
