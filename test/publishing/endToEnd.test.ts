import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPhpObject, unserializePhp } from '../helpers/php.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { eventually, PluginRemote } from './support.js';

/**
 * The whole path through the real server: a developer pushes a tag to a bare "remote" reached
 * by URL (so the mirror is used), a signed webhook arrives, and basic_check offers the version.
 */
const SECRET = 'e2e-webhook-secret-9f8e';
process.env.E2E_WEBHOOK_SECRET = SECRET;

const hmac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const SIGNERS: Record<string, (body: string, secret?: string) => Record<string, string>> = {
  github: (b, s) => ({ 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${hmac(b, s)}` }),
  gitlab: (_b, s = SECRET) => ({ 'X-Gitlab-Event': 'Tag Push Hook', 'X-Gitlab-Token': s }),
  gitea: (b, s) => ({ 'X-Gitea-Event': 'push', 'X-Gitea-Signature': hmac(b, s) }),
  forgejo: (b, s) => ({ 'X-Forgejo-Event': 'push', 'X-Forgejo-Signature': hmac(b, s) }),
  generic: (b, s) => ({ 'X-Signature-256': `sha256=${hmac(b, s)}` }),
};

/** The version basic_check offers to a site running `installed`, or null when it says "up to date". */
async function offered(server: TestServer, slug: string, installed = '0.0.1'): Promise<string | null> {
  const res = await fetch(`${server.url}/api?action=basic_check&slug=${slug}&version=${installed}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`basic_check answered ${res.status}: ${text}`);
  const value = unserializePhp(text);
  return isPhpObject(value) ? String(value.new_version) : null;
}

async function webhook(server: TestServer, slug: string, headers: Record<string, string>, body = '{"ref":"refs/tags/x"}'): Promise<Response> {
  return fetch(`${server.url}/webhooks/${slug}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
}

/** Polls basic_check until it offers `version`; fails after `timeoutMs`. */
function offers(server: TestServer, slug: string, version: string, timeoutMs: number): Promise<true> {
  return eventually(async () => ((await offered(server, slug)) === version ? true : undefined), timeoutMs, 20);
}

describe('publishing end to end: webhooks', () => {
  const remote = new PluginRemote('e2e-plugin');
  let server: TestServer;
  let minor = 0;

  beforeAll(async () => {
    server = await startServer({
      settings: { 'e2e-plugin': { repository: remote.fileUrl, webhookSecret: { env: 'E2E_WEBHOOK_SECRET' } } },
    });
    await server.app.ready;
    expect(await offered(server, 'e2e-plugin')).toBe('1.0.0');
  });
  afterAll(() => server.close());

  it.each(Object.keys(SIGNERS))('%s webhook: basic_check offers the pushed tag within a second of the answer', async (host) => {
    const version = `1.${++minor}.0`;
    remote.release(version);
    const body = JSON.stringify({ ref: `refs/tags/v${version}` });
    const res = await webhook(server, 'e2e-plugin', SIGNERS[host]!(body), body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'accepted', slug: 'e2e-plugin' });
    await offers(server, 'e2e-plugin', version, 1000);
  });

  it('a bad signature changes nothing', async () => {
    const before = await offered(server, 'e2e-plugin');
    remote.release(`1.${++minor}.0`);
    const body = '{"ref":"refs/tags/evil"}';
    for (const signer of Object.values(SIGNERS)) {
      const res = await webhook(server, 'e2e-plugin', signer(body, 'not-the-secret'), body);
      expect(res.status).toBe(401);
    }
    expect((await webhook(server, 'e2e-plugin', {}, body)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(await offered(server, 'e2e-plugin')).toBe(before);
    expect(server.logs.filter((l) => l.msg === 'webhook refused: bad or missing signature').length).toBeGreaterThanOrEqual(6);
  });

  it('a remote that disappears keeps the old releases served, downloads included', async () => {
    const version = `1.${++minor}.0`;
    remote.release(version);
    const body = '{}';
    expect((await webhook(server, 'e2e-plugin', SIGNERS.github!(body), body)).status).toBe(202);
    await offers(server, 'e2e-plugin', version, 1000);

    fs.rmSync(remote.bare, { recursive: true, force: true });
    const failuresBefore = server.app.releases.state('e2e-plugin')!.failures;
    expect((await webhook(server, 'e2e-plugin', SIGNERS.github!(body), body)).status).toBe(202);
    await eventually(() => (server.app.releases.state('e2e-plugin')!.failures > failuresBefore ? true : undefined), 3000);

    expect(await offered(server, 'e2e-plugin')).toBe(version);
    const zip = await fetch(`${server.url}/api?action=download_latest&slug=e2e-plugin`);
    expect(zip.status).toBe(200);
    expect(Buffer.from(await zip.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
    expect(server.logs.some((l) => l.msg === 'refresh failed; serving the last good releases' && l.slug === 'e2e-plugin')).toBe(true);
  });

  it('never logs the webhook secret', () => {
    expect(JSON.stringify(server.logs)).not.toContain(SECRET);
  });
});

describe('publishing end to end: polling alone', () => {
  it('offers a pushed tag within the polling interval, for a remote and a local bare repository', async () => {
    const remote = new PluginRemote('polled-remote');
    const local = new PluginRemote('polled-local');
    const server = await startServer({
      env: { POLL_INTERVAL_SECONDS: '1' },
      settings: { 'polled-remote': { repository: remote.fileUrl }, 'polled-local': { repository: local.bare } },
    });
    try {
      await server.app.ready;
      expect(await offered(server, 'polled-remote')).toBe('1.0.0');
      expect(await offered(server, 'polled-local')).toBe('1.0.0');
      remote.release('1.1.0');
      local.release('1.0.1');
      // One interval (+10 % jitter), plus the time of a fetch.
      await offers(server, 'polled-remote', '1.1.0', 1100 + 1500);
      await offers(server, 'polled-local', '1.0.1', 1100 + 1500);
    } finally {
      await server.close();
    }
  });
});

describe('publishing end to end: secrets and injection', () => {
  it('never writes repository credentials to the log', async () => {
    const password = 'e2e-git-token-77aa';
    process.env.E2E_GIT_TOKEN = password;
    const seen: string[] = [];
    const host = http.createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="x"' }).end();
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    const port = (host.address() as AddressInfo).port;
    const server = await startServer({
      settings: {
        privy: { repository: `http://127.0.0.1:${port}/acme/privy.git`, credentials: { username: 'robot', password: { env: 'E2E_GIT_TOKEN' } } },
      },
    });
    try {
      await server.app.ready;
      expect(seen).toContain(`Basic ${Buffer.from(`robot:${password}`).toString('base64')}`);
      const state = server.app.releases.state('privy')!;
      expect(state.status).toBe('failed');
      expect(state.error).toContain(`http://127.0.0.1:${port}/acme/privy.git`);
      const logs = JSON.stringify(server.logs);
      expect(logs).toContain('privy');
      expect(logs).not.toContain(password);
      expect(logs).not.toContain(Buffer.from(`robot:${password}`).toString('base64'));
      expect(logs).not.toContain('robot@');
      const res = await fetch(`${server.url}/api?action=basic_check&slug=privy&version=1.0.0`);
      expect(res.status).toBe(503);
      expect(await res.text()).not.toContain(password);
    } finally {
      await server.close();
      host.close();
    }
  });

  it('option-like values from settings or requests never reach git as options', async () => {
    const trapDir = tempDir('trap-');
    const marker = path.join(trapDir, 'PWNED');
    const script = path.join(trapDir, 'evil');
    fs.writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    const remote = new PluginRemote('safe');
    const server = await startServer({
      settings: {
        safe: { repository: remote.fileUrl, webhookSecret: { env: 'E2E_WEBHOOK_SECRET' } },
        evil1: { repository: `--upload-pack=${script}` },
        evil2: { repository: `ext::sh -c ${script}` },
        evil3: { repository: `ssh://-oProxyCommand=${script}/x` },
      },
    });
    try {
      await server.app.ready;
      expect(server.app.projects.list().map((p) => p.slug)).toEqual(['safe']);
      for (const slug of ['evil1', 'evil2', 'evil3']) {
        const res = await fetch(`${server.url}/api?action=basic_check&slug=${slug}&version=1.0.0`);
        expect(res.status, slug).toBe(404);
      }
      for (const q of [
        `branch=${encodeURIComponent(`--upload-pack=${script}`)}`,
        'branch=-x',
        'branch=..%2F..%2Fetc',
        `version=${encodeURIComponent(`--upload-pack=${script}`)}`,
      ]) {
        for (const action of ['basic_check', 'download_latest', 'plugin_information']) {
          const res = await fetch(`${server.url}/api?action=${action}&slug=safe&version=1.0.0&${q}`);
          // Refused or harmlessly answered, never a crash; nothing ran.
          expect(res.status, `${action} ${q}`).toBeLessThan(500);
          if (q.startsWith('branch')) expect(res.status, `${action} ${q}`).toBeGreaterThanOrEqual(400);
        }
      }
      for (const slug of ['..%2F..%2Fetc', '-x', 'SAFE']) {
        expect((await webhook(server, slug, SIGNERS.github!('{}'), '{}')).status, slug).toBe(404);
      }
      expect(fs.existsSync(marker)).toBe(false);
      expect(fs.readdirSync(path.join(server.config.dataDir, 'mirrors')).filter((n) => !n.startsWith('.'))).toEqual(['safe.git']);
    } finally {
      await server.close();
    }
  });
});
