import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { createOutboundClient, type Resolver } from '../../src/outbound/client.js';
import {
  AddressNotAllowedError,
  HttpNotAllowedError,
  InvalidSiteUrlError,
  RedirectRefusedError,
  ResponseTooLargeError,
  SiteTimeoutError,
  SiteUnreachableError,
} from '../../src/outbound/errors.js';
import { BadGatewayError, GatewayTimeoutError } from '../../src/errors.js';
import { freePort } from '../helpers/net.js';
import { DEFAULT_UPDATE, FakeSites } from '../helpers/fakeSites.js';

const logs: string[] = [];
const log = createLogger(
  'debug',
  new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  }),
);

/** Made-up names mapped to addresses; anything else is "not found". Never touches real DNS. */
function fakeDns(map: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const list = map[hostname];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: net.isIP(address) }));
  };
}

let sites: FakeSites;
let sites6: FakeSites;
beforeAll(async () => {
  sites = await FakeSites.start('127.0.0.1');
  sites6 = await FakeSites.start('::1');
});
afterAll(async () => {
  await sites.close();
  await sites6.close();
});
beforeEach(() => {
  sites.resetStats();
  sites6.resetStats();
});

describe('outbound client with private addresses allowed (LAN / tests)', () => {
  const client = createOutboundClient({ allowPrivate: true, log });

  it('sends method, headers and JSON body, and parses the JSON answer', async () => {
    const site = sites.add({ key: 'k-123', plugins: { 'hello.php': true } });
    const res = await client.send({
      method: 'POST',
      url: `${site.url}/wp-json/rakuwp/v1/remote/plugin-action`,
      headers: { 'X-RakuWP-Key': 'k-123' },
      json: { action: 'deactivate', plugin: 'hello.php' },
      timeoutMs: 5000,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ success: true, action: 'deactivate', plugin: 'hello.php' });
    const [call] = site.calls();
    expect(call).toMatchObject({ method: 'POST', path: '/wp-json/rakuwp/v1/remote/plugin-action', body: { action: 'deactivate', plugin: 'hello.php' } });
    expect(call!.headers['x-rakuwp-key']).toBe('k-123');
    expect(call!.headers['content-type']).toBe('application/json');
  });

  it('reports a 3xx as RedirectRefusedError and never follows it', async () => {
    const site = sites.add({ behaviour: 'redirect' });
    const err = await client
      .send({ method: 'POST', url: `${site.url}/wp-json/rakuwp/v1/remote/update`, timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedirectRefusedError);
    expect(err).toBeInstanceOf(BadGatewayError);
    expect((err as RedirectRefusedError).status).toBe(502);
    expect((err as RedirectRefusedError).code).toBe('redirect_refused');
    expect((err as Error).message).toContain('(302)');
    expect(sites.calls).toHaveLength(1);
  });

  it('cuts an answer above the size cap', async () => {
    const site = sites.add({ behaviour: 'huge' });
    const err = await client.send({ method: 'POST', url: `${site.url}/x`, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect((err as ResponseTooLargeError).status).toBe(502);
    expect((err as ResponseTooLargeError).code).toBe('response_too_large');
  });

  it('honours a smaller cap and accepts answers under it', async () => {
    // The update answer (~230 bytes) is over 150; the 401 error body (~100 bytes) is under.
    expect(JSON.stringify(DEFAULT_UPDATE).length).toBeGreaterThan(150);
    const small = createOutboundClient({ allowPrivate: true, log, maxResponseBytes: 150 });
    const site = sites.add({ key: 'k' });
    const err = await small
      .send({ method: 'POST', url: `${site.url}/wp-json/rakuwp/v1/remote/update`, headers: { 'X-RakuWP-Key': 'k' }, timeoutMs: 5000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    const ok = await small.send({ method: 'POST', url: `${site.url}/wp-json/rakuwp/v1/remote/update`, timeoutMs: 5000 });
    expect(ok.status).toBe(401);
    expect(ok.json).toMatchObject({ code: 'rakuwp_invalid_key' });
  });

  it('times out a site that never answers (504) and frees the connection', async () => {
    const site = sites.add({ behaviour: 'hang' });
    const err = await client.send({ method: 'POST', url: `${site.url}/x`, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SiteTimeoutError);
    expect(err).toBeInstanceOf(GatewayTimeoutError);
    expect((err as SiteTimeoutError).status).toBe(504);
    expect((err as SiteTimeoutError).code).toBe('site_timeout');
    await new Promise((r) => setTimeout(r, 50));
    expect(sites.inFlight).toBe(0);
  });

  it('stops at the timeout even when the site is merely slow', async () => {
    const site = sites.add({ delayMs: 2000 });
    const err = await client.send({ method: 'POST', url: `${site.url}/x`, timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SiteTimeoutError);
  });

  it('reports a reset connection as unreachable (502)', async () => {
    const site = sites.add({ behaviour: 'reset' });
    const err = await client.send({ method: 'POST', url: `${site.url}/x`, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SiteUnreachableError);
    expect((err as SiteUnreachableError).status).toBe(502);
    expect((err as SiteUnreachableError).code).toBe('site_unreachable');
  });

  it('reports a refused connection as unreachable (502)', async () => {
    const port = await freePort();
    const err = await client.send({ method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SiteUnreachableError);
    expect((err as Error).message).toBe('The site refused the connection.');
    expect((err as SiteUnreachableError).details).toEqual({ cause_code: 'ECONNREFUSED' });
  });

  it('returns a malformed JSON answer with json undefined (the caller decides)', async () => {
    const site = sites.add({ behaviour: 'malformed' });
    const res = await client.send({ method: 'POST', url: `${site.url}/x`, timeoutMs: 5000 });
    expect(res.status).toBe(200);
    expect(res.json).toBeUndefined();
    expect(res.body.toString()).toBe('{"success": tru');
  });

  it('connects to the address its own lookup returned (made-up name → loopback)', async () => {
    const viaDns = createOutboundClient({ allowPrivate: true, log, resolve: fakeDns({ 'site.test': ['127.0.0.1'] }) });
    const site = sites.add({ key: 'k' });
    const res = await viaDns.send({
      method: 'POST',
      url: `http://site.test:${sites.port}/s/${site.id}/wp-json/rakuwp/v1/remote/update`,
      headers: { 'X-RakuWP-Key': 'k' },
      timeoutMs: 5000,
    });
    expect(res.status).toBe(200);
    expect(site.calls()[0]!.headers.host).toBe(`site.test:${sites.port}`);
  });

  it('reports an unknown host name as unreachable', async () => {
    const viaDns = createOutboundClient({ allowPrivate: true, log, resolve: fakeDns({}) });
    const err = await viaDns.send({ method: 'GET', url: 'http://nowhere.test/', timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SiteUnreachableError);
    expect((err as Error).message).toBe('The site host name could not be resolved.');
  });

  it('never logs secret headers or bodies', async () => {
    const site = sites.add({ key: 'super-secret-license-key', multisite: { user: 'admin', password: 'pa55-word-secret' } });
    logs.length = 0;
    await client.send({
      method: 'POST',
      url: `${site.url}/wp-json/wp-multisites/v1/list?public=1`,
      headers: { 'X-RakuWP-Key': 'super-secret-license-key', User: 'admin', Password: 'pa55-word-secret' },
      json: { password: 'pa55-word-secret' },
      timeoutMs: 5000,
    });
    const text = logs.join('\n');
    expect(text).toContain('outbound call');
    expect(text).not.toContain('super-secret-license-key');
    expect(text).not.toContain('pa55-word-secret');
  });
});

describe('outbound client: secrets over http://', () => {
  const strict = createOutboundClient({ allowPrivate: true, log });
  const lenient = createOutboundClient({ allowPrivate: true, allowHttpSecrets: true, log });

  it('refuses secret headers to an http:// URL by default (403), before connecting', async () => {
    const site = sites.add({ key: 'k-http-secret-1' });
    const variants: Record<string, string>[] = [{ 'X-RakuWP-Key': 'k-http-secret-1' }, { User: 'net-admin', Password: 'net-password-1' }];
    for (const secretHeaders of variants) {
      const err = await strict
        .send({ method: 'POST', url: `${site.url}/wp-json/rakuwp/v1/remote/update`, secretHeaders, timeoutMs: 2000 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpNotAllowedError);
      expect((err as HttpNotAllowedError).status).toBe(403);
      expect((err as HttpNotAllowedError).code).toBe('http_not_allowed');
      expect((err as Error).message).toBe(
        `Refused: ${sites.origin} is an http:// URL, and the call would send the site's license key or credentials unencrypted. ` +
          "Register the site's https:// address, or set ALLOW_HTTP_SITES=true (trusted networks only).",
      );
    }
    expect(sites.calls).toHaveLength(0);
    expect(sites.connections).toBe(0);
  });

  it('sends them when allowed, and calls without secrets are not affected', async () => {
    const site = sites.add({ key: 'k-http-secret-2' });
    const url = `${site.url}/wp-json/rakuwp/v1/remote/update`;
    const allowed = await lenient.send({ method: 'POST', url, secretHeaders: { 'X-RakuWP-Key': 'k-http-secret-2' }, timeoutMs: 5000 });
    expect(allowed.status).toBe(200);
    expect(site.calls()[0]!.headers['x-rakuwp-key']).toBe('k-http-secret-2');
    const plain = await strict.send({ method: 'POST', url, timeoutMs: 5000 });
    expect(plain.status).toBe(401);
  });
});

describe('outbound client refusals (no private addresses)', () => {
  const client = createOutboundClient({ allowPrivate: false, log });

  async function refused(url: string, c = client) {
    const err = await c.send({ method: 'POST', url, timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AddressNotAllowedError);
    expect((err as AddressNotAllowedError).status).toBe(403);
    expect((err as AddressNotAllowedError).code).toBe('address_not_allowed');
    return (err as Error).message;
  }

  it('refuses 127.0.0.1 without connecting', async () => {
    const site = sites.add();
    expect(await refused(`${site.url}/wp-json/rakuwp/v1/remote/update`)).toBe(
      'Address not allowed: 127.0.0.1 is a loopback address. Set ALLOW_PRIVATE_SITES=true to manage sites on private networks.',
    );
    expect(sites.calls).toHaveLength(0);
    expect(sites.connections).toBe(0);
  });

  it('refuses [::1] without connecting', async () => {
    const site = sites6.add();
    expect(site.url.startsWith('http://[::1]:')).toBe(true);
    expect(await refused(`${site.url}/x`)).toContain('::1 is a loopback address');
    expect(sites6.calls).toHaveLength(0);
    expect(sites6.connections).toBe(0);
  });

  it('refuses a name that resolves to loopback (localhost) without connecting', async () => {
    expect(await refused(`http://localhost:${sites.port}/s/1/x`)).toMatch(/^Address not allowed: localhost \((127\.0\.0\.1|::1)\) is a loopback address/);
    expect(sites.calls).toHaveLength(0);
    expect(sites.connections).toBe(0);
  });

  it('refuses IPv4-mapped and odd spellings of loopback', async () => {
    await refused(`http://[::ffff:127.0.0.1]:${sites.port}/x`);
    await refused(`http://2130706433:${sites.port}/x`);
    await refused(`http://0x7f.1:${sites.port}/x`);
    await refused(`http://0.0.0.0:${sites.port}/x`);
    expect(sites.calls).toHaveLength(0);
    expect(sites.connections).toBe(0);
  });

  it('refuses private and metadata literals before any socket exists', async () => {
    expect(await refused('http://10.0.0.1/x')).toContain('10.0.0.1 is a private address');
    expect(await refused('http://169.254.169.254/latest/meta-data/')).toContain('169.254.169.254 is a link-local address');
    expect(await refused('http://100.64.1.1/')).toContain('shared address space');
    expect(await refused('http://[fd00::1]/')).toContain('private');
  });

  it('refuses a name when any of its addresses is private (rebinding-style answers)', async () => {
    const c = createOutboundClient({
      allowPrivate: false,
      log,
      resolve: fakeDns({ 'rebind.test': ['93.184.215.14', '127.0.0.1'], 'meta.test': ['169.254.169.254'] }),
    });
    expect(await refused(`http://rebind.test:${sites.port}/x`, c)).toBe(
      'Address not allowed: rebind.test (127.0.0.1) is a loopback address. Set ALLOW_PRIVATE_SITES=true to manage sites on private networks.',
    );
    expect(await refused('http://meta.test/latest/meta-data/', c)).toContain('meta.test (169.254.169.254) is a link-local address');
    expect(sites.calls).toHaveLength(0);
    expect(sites.connections).toBe(0);
  });

  it('refuses URLs that are not http(s) or carry credentials (400)', async () => {
    for (const [url, message] of [
      ['ftp://example.org/', 'The site URL must start with http:// or https://.'],
      ['file:///etc/passwd', 'The site URL must start with http:// or https://.'],
      ['http://user:pw@example.org/', 'The site URL must not contain a user name or password.'],
      ['not a url', 'The site URL is not a valid URL.'],
    ] as const) {
      const err = await client.send({ method: 'GET', url, timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidSiteUrlError);
      expect((err as InvalidSiteUrlError).status).toBe(400);
      expect((err as InvalidSiteUrlError).code).toBe('invalid_site_url');
      expect((err as Error).message).toBe(message);
    }
  });
});

