import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { listZip, readZipMember } from '../helpers/zip.js';
import { pluginRepo, themeRepo } from './fixtures.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    settings: {
      'acme-tools': { repository: pluginRepo().dir, folderName: 'acme', prereleaseBranches: ['develop'] },
      'acme-theme': { repository: themeRepo().dir, info: 'style.css' },
    },
  });
  await server.app.ready;
});
afterAll(() => server.close());

async function download(query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api?${query}`, { headers });
  const body = Buffer.from(await res.arrayBuffer());
  const file = path.join(tempDir('dl-'), 'x.zip');
  fs.writeFileSync(file, body);
  return { res, body, file };
}

describe('download_latest', () => {
  it('streams the latest release as a zip with one top-level folder and without export-ignored files', async () => {
    const { res, body, file } = await download('action=download_latest&slug=acme-tools');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(Number(res.headers.get('content-length'))).toBe(body.length);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-disposition')).toContain('acme-1.1.0.zip');
    const names = listZip(file).map((e) => e.name).filter((n) => !n.endsWith('/'));
    expect(names.sort()).toEqual(['acme/acme-tools.php', 'acme/includes/helper.php', 'acme/readme.txt']);
    expect(readZipMember(file, 'acme/acme-tools.php')).toContain('Version: 1.1.0');
  });

  it('serves an older version by number (rollback) and a beta on its channel', async () => {
    const old = await download('action=download_latest&slug=acme-tools&version=1.0.0');
    expect(old.res.status).toBe(200);
    expect(old.res.headers.get('cache-control')).toBe('private, max-age=86400');
    expect(readZipMember(old.file, 'acme/acme-tools.php')).toContain('Version: 1.0.0');
    const beta = await download('action=download_latest&slug=acme-tools&branch=develop');
    expect(readZipMember(beta.file, 'acme/acme-tools.php')).toContain('Version: 2.0.0-beta.1');
  });

  it('answers HEAD, If-None-Match and Range', async () => {
    const url = `${server.url}/api?action=download_latest&slug=acme-tools&version=1.1.0`;
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBe(full.length);
    const etag = head.headers.get('etag')!;
    expect(etag).toMatch(/^"/);
    const cached = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${full.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(full.subarray(10, 20));
  });

  it('answers unsatisfiable ranges with 416, and a stale If-Range or several ranges with the whole zip', async () => {
    const url = `${server.url}/api?action=download_latest&slug=acme-tools&version=1.1.0`;
    const head = await fetch(url, { method: 'HEAD' });
    const size = Number(head.headers.get('content-length'));
    const etag = head.headers.get('etag')!;
    expect(head.headers.get('accept-ranges')).toBe('bytes');

    const beyond = await fetch(url, { headers: { range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${size}`);

    const tail = await fetch(url, { headers: { range: 'bytes=-5', 'if-range': etag } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    expect((await tail.arrayBuffer()).byteLength).toBe(5);

    const stale = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': '"another"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(size);

    const several = await fetch(url, { headers: { range: 'bytes=0-1,5-6' } });
    expect(several.status).toBe(200);
    expect((await several.arrayBuffer()).byteLength).toBe(size);

    const otherTag = await fetch(url, { headers: { 'if-none-match': '"another", W/"x"' } });
    expect(otherTag.status).toBe(200);
    await otherTag.arrayBuffer();
  });

  it('builds a missing zip once for concurrent first downloads, and each gets the same bytes', async () => {
    const url = `${server.url}/api?action=download_latest&slug=acme-theme&version=1.0.0`;
    const bodies = await Promise.all(Array.from({ length: 6 }, async () => Buffer.from(await (await fetch(url)).arrayBuffer())));
    for (const b of bodies) expect(b.equals(bodies[0]!)).toBe(true);
    const builds = server.logs.filter((l) => l.msg === 'release zip built' && l.slug === 'acme-theme' && l.version === '1.0.0');
    expect(builds).toHaveLength(1);
  });

  it('builds a theme zip under the slug folder', async () => {
    const { res, file } = await download('action=download_latest&slug=acme-theme');
    expect(res.status).toBe(200);
    expect(listZip(file).map((e) => e.name).filter((n) => !n.endsWith('/')).sort()).toEqual([
      'acme-theme/index.php',
      'acme-theme/readme.md',
      'acme-theme/style.css',
    ]);
  });

  it('counts downloads in plugin_information', async () => {
    await server.app.downloads.flush();
    const before = server.app.downloads.total('acme-tools');
    await download('action=download_latest&slug=acme-tools');
    await fetch(`${server.url}/api?action=download_latest&slug=acme-tools`, { method: 'HEAD' });
    expect(server.app.downloads.total('acme-tools')).toBe(before + 1);
    await server.app.downloads.flush();
    expect(server.app.downloads.total('acme-tools')).toBe(before + 1);
  });
});
