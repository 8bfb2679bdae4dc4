import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unserializePhp } from './helpers/php.js';
import { startServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

/**
 * The README's promise: on a fresh clone the demo works, and every curl example in README.md
 * answers as described. The examples are read from README.md itself and run against a server
 * started with the shipped projectSettings/hello-updates.json.
 */
let server: TestServer;
const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');

beforeAll(async () => {
  const cwd = tempDir('demo-');
  const settings = fs.readFileSync(path.join(import.meta.dirname, '..', 'projectSettings', 'hello-updates.json'), 'utf8');
  // The shipped file points to ./data/demo/…, relative to where the server runs: use a temp folder instead.
  const repo = path.join(cwd, 'data', 'demo', 'hello-updates');
  server = await startServer({ env: { DEMO: 'true' }, settings: { 'hello-updates': settings.replace('./data/demo/hello-updates', repo) } });
  await server.app.ready;
});
afterAll(() => server.close());

describe('demo', () => {
  it('creates the demo repository with two releases on main and a beta', async () => {
    const res = await fetch(`${server.url}/api?action=basic_check&slug=hello-updates&version=1.0.0`);
    const value = unserializePhp(await res.text());
    expect(value.new_version).toBe('1.1.0');
    const beta = unserializePhp(await (await fetch(`${server.url}/api?action=basic_check&slug=hello-updates&version=1.1.0&branch=beta`)).text());
    expect(beta.new_version).toBe('1.2.0-beta.1');
  });

  it('answers every curl example of README.md with success', async () => {
    const urls = [...readme.matchAll(/curl (?:-\S+ )*'(http:\/\/localhost:8080\/api\?[^']+)'/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(6);
    for (const url of urls) {
      const res = await fetch(url.replace('http://localhost:8080', server.url));
      expect(res.status, url).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length, url).toBeGreaterThan(0);
    }
  });
});
