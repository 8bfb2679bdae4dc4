import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPhpArray, isPhpObject } from '../helpers/php.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { api } from './client.js';
import { pluginRepo, themeRepo, untaggedRepo } from './fixtures.js';

let server: TestServer;

beforeAll(async () => {
  const plugin = pluginRepo();
  server = await startServer({
    settings: {
      'acme-tools': { repository: plugin.dir, prereleaseBranches: ['develop'] },
      simple: { repository: untaggedRepo().dir },
      'acme-theme': { repository: themeRepo().dir, info: 'style.css' },
      locked: { repository: plugin.dir, info: 'acme-tools.php', allowed: [{ apikey: ['key-one-secret', 'k2'] }] },
      'branch-locked': { repository: plugin.dir, info: 'acme-tools.php', prereleaseBranches: ['develop'], allowed: [{ apikey: 'beta-key', branch: 'develop' }, { apikey: 'main-key', branch: 'main' }] },
      'net-ok': { repository: plugin.dir, info: 'acme-tools.php', allowed: [{ ip: ['10.0.0.0/8', '127.0.0.0/8', '::1'] }] },
      'net-denied': { repository: plugin.dir, info: 'acme-tools.php', allowed: [{ ip: '192.168.0.0/16' }] },
      broken: '{ "repository": 42 }',
    },
  });
  await server.app.ready;
});
afterAll(() => server.close());

describe('basic_check', () => {
  it('offers the highest valid tag of the default branch as a PHP object with the fields WordPress reads', async () => {
    const res = await api(server.url, { action: 'basic_check', slug: 'acme-tools', version: '1.0.0' }, { headers: { 'user-agent': 'WordPress/6.5.2; https://site.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(isPhpObject(res.value)).toBe(true);
    const v = res.value;
    expect(Object.keys(v).sort()).toEqual(
      ['banners', 'icons', 'id', 'new_version', 'package', 'plugin', 'requires', 'requires_php', 'slug', 'tested', 'upgrade_notice', 'url'].sort(),
    );
    expect(v.id).toBe(`${server.url}/acme-tools`);
    expect(v.slug).toBe('acme-tools');
    expect(v.plugin).toBe('acme-tools/acme-tools.php');
    expect(v.new_version).toBe('1.1.0'); // v1.2.0 is skipped: its header says 1.1.0
    expect(v.url).toBe('https://acme.example/tools');
    expect(v.package).toBe(`${server.url}/api?action=download_latest&slug=acme-tools&version=1.1.0&branch=main`);
    expect(v.requires).toBe('6.0'); // the plugin header wins over the readme
    expect(v.tested).toBe('6.6'); // only in the readme
    expect(v.requires_php).toBe('7.4');
    expect(v.upgrade_notice).toBe('Please update.');
    expect(isPhpArray(v.icons)).toBe(true);
    expect(v.icons['1x']).toBe(`${server.url}/assets/acme-tools/1.1.0/icon-128x128.png?branch=main`);
    expect(v.icons.default).toBe(v.icons['1x']);
    expect(v.banners).toEqual({ low: `${server.url}/assets/acme-tools/1.1.0/banner-772x250.png?branch=main` });
  });

  it('answers the up-to-date hint array when the site runs the latest or a newer version', async () => {
    for (const version of ['1.1.0', '1.1.1', '2.0']) {
      const res = await api(server.url, { action: 'basic_check', slug: 'acme-tools', version });
      expect(res.status).toBe(200);
      expect(isPhpArray(res.value)).toBe(true);
      expect(res.value).toEqual({ status: 'ok', msg: 'version up to date.', errorCode: 0, slug: 'acme-tools' });
    }
  });

  it('compares loosely written installed versions ("1.0") as WordPress reports them', async () => {
    const res = await api(server.url, { action: 'basic_check', slug: 'acme-tools', version: '1.0' });
    expect(res.value.new_version).toBe('1.1.0');
  });

  it('accepts a POSTed form body and the api-key spelling, like the original client', async () => {
    const res = await api(server.url, { action: 'basic_check', slug: 'locked', version: '1.0.0', 'api-key': 'k2' }, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.value.new_version).toBe('1.1.0');
    expect(res.value.package).toContain('apikey=k2');
  });

  it('puts the apikey and branch into every link it hands out', async () => {
    const update = (await api(server.url, { action: 'basic_check', slug: 'branch-locked', version: '1.0.0', apikey: 'beta-key', branch: 'develop' })).value;
    const info = (await api(server.url, { action: 'plugin_information', slug: 'branch-locked', apikey: 'beta-key', branch: 'develop' })).value;
    for (const link of [update.package, info.download_link, info.homepage]) {
      const url = new URL(link);
      expect([url.searchParams.get('apikey'), url.searchParams.get('branch')], link).toEqual(['beta-key', 'develop']);
    }
    // And the links work.
    expect((await fetch(update.package, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(info.homepage)).status).toBe(200);
  });

  it('serves pre-release tags only on a branch marked as a pre-release channel', async () => {
    const beta = await api(server.url, { action: 'basic_check', slug: 'acme-tools', version: '1.1.0', branch: 'develop' });
    expect(beta.value.new_version).toBe('2.0.0-beta.1');
    expect(beta.value.package).toContain('branch=develop');
    const rc = await api(server.url, { action: 'basic_check', slug: 'acme-tools', version: '1.0.0', branch: 'rc-only' });
    expect(rc.status).toBe(404);
    expect(rc.value).toMatchObject({ status: 'error', errorCode: 42, slug: 'acme-tools' });
  });

  it('uses the Version header of the branch head when the branch has no version tag', async () => {
    const res = await api(server.url, { action: 'basic_check', slug: 'simple', version: '0.4' });
    expect(res.value.new_version).toBe('0.5.0');
    expect(res.value.package).toContain('version=0.5.0');
  });

  it('answers a theme with the array shape of update_themes', async () => {
    const res = await api(server.url, { action: 'basic_check', slug: 'acme-theme', version: '1.0.0' });
    expect(isPhpArray(res.value)).toBe(true);
    expect(res.value).toEqual({
      theme: 'acme-theme',
      new_version: '2.0.0',
      url: `${server.url}/api?action=project_details&slug=acme-theme&branch=main`,
      package: `${server.url}/api?action=download_latest&slug=acme-theme&version=2.0.0&branch=main`,
      requires: '6.2',
      requires_php: '8.1',
    });
  });
});

describe('plugin_information', () => {
  it('answers the object of the View details modal', async () => {
    const res = await api(server.url, { action: 'plugin_information', slug: 'acme-tools' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const v = res.value;
    expect(isPhpObject(v)).toBe(true);
    expect(v.name).toBe('Acme Tools');
    expect(v.slug).toBe('acme-tools');
    expect(v.version).toBe('1.1.0');
    expect(v.author).toBe('<a href="https://acme.example">Acme &amp; Co</a>');
    expect(v.author_profile).toBe('https://acme.example');
    expect(v.homepage).toBe('https://acme.example/tools');
    expect(v.requires).toBe('6.0');
    expect(v.tested).toBe('6.6');
    expect(v.requires_php).toBe('7.4');
    expect(v.last_updated).toMatch(/^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}(am|pm) GMT$/);
    expect(v.download_link).toBe(`${server.url}/api?action=download_latest&slug=acme-tools&version=1.1.0&branch=main`);
    expect(typeof v.downloaded).toBe('number');
    expect(isPhpArray(v.sections)).toBe(true);
    expect(Object.keys(v.sections)).toEqual(expect.arrayContaining(['description', 'installation', 'changelog']));
    expect(v.sections.description).toContain('<strong>useful</strong>');
    expect(v.sections.description).not.toContain('<script');
    expect(v.sections.changelog).toContain('Latest changes.');
    expect(v.banners.low).toContain('/assets/acme-tools/1.1.0/banner-772x250.png');
    expect(isPhpArray(v.icons) && isPhpArray(v.banners)).toBe(true);
    expect(isPhpArray(v.contributors)).toBe(true);
    expect(v.contributors).toEqual({
      acme: { display_name: 'acme', profile: 'https://profiles.wordpress.org/acme/', avatar: 'https://wordpress.org/grav-redirect.php?user=acme' },
      bob: { display_name: 'bob', profile: 'https://profiles.wordpress.org/bob/', avatar: 'https://wordpress.org/grav-redirect.php?user=bob' },
    });
  });

  it('counts downloads in `downloaded` as they happen (the rest of the answer is cached)', async () => {
    const before = (await api(server.url, { action: 'plugin_information', slug: 'acme-tools' })).value;
    await (await fetch(`${server.url}/api?action=download_latest&slug=acme-tools`)).arrayBuffer();
    const after = (await api(server.url, { action: 'plugin_information', slug: 'acme-tools' })).value;
    expect(after.downloaded).toBe(before.downloaded + 1);
    expect({ ...after, downloaded: 0 }).toEqual({ ...before, downloaded: 0 });
  });
});

describe('project_details', () => {
  it('renders the readme as a sanitized HTML page', async () => {
    const res = await fetch(`${server.url}/api?action=project_details&slug=acme-tools`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('Acme Tools');
    expect(html).toContain('1.1.0');
    expect(html).toContain('<strong>useful</strong>');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('assets', () => {
  it('serves icons from the release tree and refuses other files', async () => {
    const ok = await fetch(`${server.url}/assets/acme-tools/1.1.0/icon-128x128.png?branch=main`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await ok.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    const other = await fetch(`${server.url}/assets/acme-tools/1.1.0/acme-tools.php`);
    expect(other.status).toBe(404);
    // WordPress keeps an older release's icon URLs for hours: they show the current icon.
    const old = await fetch(`${server.url}/assets/acme-tools/1.0.0/icon-128x128.png`);
    expect(old.status).toBe(200);
    expect(Buffer.from(await old.arrayBuffer())).toEqual(Buffer.from(await (await fetch(`${server.url}/assets/acme-tools/1.1.0/icon-128x128.png`)).arrayBuffer()));
    for (const bad of ['/assets/acme-tools/..%2F1.0/icon-128x128.png', '/assets/Nope/1.0.0/icon-128x128.png', '/assets/acme-tools/1.1.0/icon-256x256.png']) {
      expect((await fetch(`${server.url}${bad}`)).status, bad).toBe(404);
    }
    expect((await fetch(`${server.url}/assets/locked/1.1.0/icon-128x128.png`)).status).toBe(403);
    expect((await fetch(`${server.url}/assets/locked/1.1.0/icon-128x128.png?apikey=k2`)).status).toBe(200);
  });
});

describe('access rules', () => {
  it('requires a listed apikey, compared against every key of the rule', async () => {
    const none = await api(server.url, { action: 'basic_check', slug: 'locked', version: '1.0.0' });
    expect(none.status).toBe(403);
    expect(none.value).toEqual({ status: 'error', msg: expect.stringContaining('Access denied'), errorCode: 17, slug: 'locked' });
    const wrong = await api(server.url, { action: 'basic_check', slug: 'locked', version: '1.0.0', apikey: 'k3' });
    expect(wrong.status).toBe(403);
    const ok = await api(server.url, { action: 'basic_check', slug: 'locked', version: '1.0.0', apikey: 'key-one-secret' });
    expect(ok.status).toBe(200);
  });

  it('matches apikey and branch together within one rule', async () => {
    const mainKeyOnDevelop = await api(server.url, { action: 'basic_check', slug: 'branch-locked', version: '1.0.0', apikey: 'main-key', branch: 'develop' });
    expect(mainKeyOnDevelop.status).toBe(403);
    const mainKeyOnMain = await api(server.url, { action: 'basic_check', slug: 'branch-locked', version: '1.0.0', apikey: 'main-key' });
    expect(mainKeyOnMain.status).toBe(200);
    const betaKeyOnDevelop = await api(server.url, { action: 'basic_check', slug: 'branch-locked', version: '1.0.0', apikey: 'beta-key', branch: 'develop' });
    expect(betaKeyOnDevelop.status).toBe(200);
    expect(betaKeyOnDevelop.value.new_version).toBe('2.0.0-beta.1');
  });

  it('matches the client address against CIDR ranges', async () => {
    expect((await api(server.url, { action: 'basic_check', slug: 'net-ok', version: '1.0.0' })).status).toBe(200);
    const denied = await api(server.url, { action: 'basic_check', slug: 'net-denied', version: '1.0.0' });
    expect(denied.status).toBe(403);
    expect(denied.value.errorCode).toBe(17);
  });

  it('applies the rules to downloads too', async () => {
    const res = await fetch(`${server.url}/api?action=download_latest&slug=locked`);
    expect(res.status).toBe(403);
  });
});

describe('errors', () => {
  const cases: [string, Record<string, string>, number, number][] = [
    ['no action', { slug: 'acme-tools' }, 400, 33],
    ['unknown action', { action: 'delete_everything', slug: 'acme-tools' }, 400, 33],
    ['no slug', { action: 'basic_check', version: '1.0' }, 400, 8],
    ['bad slug', { action: 'basic_check', slug: '../etc/passwd', version: '1.0' }, 400, 8],
    ['upper-case slug', { action: 'basic_check', slug: 'Acme', version: '1.0' }, 400, 8],
    ['no version', { action: 'basic_check', slug: 'acme-tools' }, 400, 8],
    ['bad version', { action: 'basic_check', slug: 'acme-tools', version: '1.0; rm -rf' }, 400, 8],
    ['option-like branch', { action: 'basic_check', slug: 'acme-tools', version: '1.0', branch: '--upload-pack=touch' }, 400, 8],
    ['dotted branch', { action: 'basic_check', slug: 'acme-tools', version: '1.0', branch: '../main' }, 400, 8],
    ['bad type', { action: 'basic_check', slug: 'acme-tools', version: '1.0', type: 'core' }, 400, 8],
    ['unknown project', { action: 'basic_check', slug: 'nope', version: '1.0' }, 404, 5],
    ['invalid settings', { action: 'basic_check', slug: 'broken', version: '1.0' }, 404, 6],
    ['unknown branch', { action: 'basic_check', slug: 'acme-tools', version: '1.0', branch: 'nope' }, 404, 40],
    ['unknown version', { action: 'download_latest', slug: 'acme-tools', version: '9.9.9' }, 404, 41],
    ['mismatched tag download', { action: 'download_latest', slug: 'acme-tools', version: '1.2.0' }, 404, 41],
  ];
  it.each(cases)('%s → %i with error code %i', async (_name, params, status, code) => {
    const res = await api(server.url, params);
    expect(res.status).toBe(status);
    expect(isPhpArray(res.value)).toBe(true);
    expect(res.value.status).toBe('error');
    expect(res.value.errorCode).toBe(code);
    expect(typeof res.value.msg).toBe('string');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('answers a malformed form body with 400, not 500', async () => {
    const res = await fetch(`${server.url}/api`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":' });
    expect(res.status).toBe(400);
  });

  it('logs the bad settings file with file, key and reason, and keeps serving the others', async () => {
    const line = server.logs.find((l) => String(l.file ?? '').endsWith('broken.json'));
    expect(line).toBeDefined();
    expect(JSON.stringify(line)).toContain('repository');
  });
});

describe('request log', () => {
  it('writes one JSON line per API request with action, slug, versions and site, and no apikey', async () => {
    await api(server.url, { action: 'basic_check', slug: 'locked', version: '1.0.0', apikey: 'key-one-secret' }, { headers: { 'user-agent': 'WordPress/6.4.1; https://blog.example' } });
    const line = server.logs.filter((l) => l.msg === 'request' && l.slug === 'locked' && l.wpVersion === '6.4.1').at(-1);
    expect(line).toMatchObject({ action: 'basic_check', slug: 'locked', installedVersion: '1.0.0', wpVersion: '6.4.1', siteUrl: 'https://blog.example', status: 200, path: '/api' });
    expect(typeof line!.ms).toBe('number');
    expect(JSON.stringify(server.logs)).not.toContain('key-one-secret');
  });
});
