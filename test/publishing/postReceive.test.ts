import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.js';
import { MirrorSource } from '../../src/mirrors/index.js';
import { LocalSource, RoutingSource } from '../../src/releases/localSource.js';
import { ReleaseService } from '../../src/releases/service.js';
import { createWebhooksRouter } from '../../src/webhooks/index.js';
import { pluginHeader } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, eventually, latestOf, PluginRemote, registryWith } from './support.js';
import { freePort } from '../helpers/net.js';

const exec = promisify(execFile);

function push(cwd: string, ...refs: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec('git', ['push', 'origin', ...refs], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
}

/** The post-receive hook exactly as docs/publishing.md prints it (README.md prints the same one). */
function documentedHook(file = 'docs/publishing.md'): string {
  const doc = fs.readFileSync(path.join(import.meta.dirname, '../..', file), 'utf8');
  const block = /```sh\n(#!\/bin\/sh\n# post-receive:[\s\S]*?)```/.exec(doc);
  if (!block) throw new Error(`post-receive hook not found in ${file}`);
  return block[1]!;
}

it('README.md prints the same hook as docs/publishing.md', () => {
  expect(documentedHook('README.md')).toBe(documentedHook());
});

describe('the documented post-receive hook', () => {
  const secret = 'hook-secret-1f2e3d';
  const remote = new PluginRemote('on-server');
  const capture = captureLogger();
  let server: http.Server;
  let releases: ReleaseService;
  let url: string;

  beforeAll(async () => {
    const secretFile = path.join(tempDir('secret-'), 'on-server.webhook-secret');
    fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
    // A bare repository on the server, used in place (a local project: no mirror).
    const { registry } = await registryWith(
      { 'on-server': { repository: remote.bare, webhookSecret: { file: secretFile } } },
      capture.log,
    );
    releases = new ReleaseService(registry, new RoutingSource(new LocalSource(), new MirrorSource({ dataDir: tempDir('data-'), log: capture.log })), capture.log);
    await releases.start();
    const router = createWebhooksRouter({ projects: registry, releases, log: capture.log });
    const koa = new Koa();
    koa.use(errorHandler(capture.log)).use(router.routes()).use(router.allowedMethods());
    server = http.createServer(koa.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const hook = documentedHook()
      .replace(/^UPDATE_SERVER=.*$/m, `UPDATE_SERVER="${url}"`)
      .replace(/^SLUG=.*$/m, 'SLUG="on-server"')
      .replace(/^SECRET_FILE=.*$/m, `SECRET_FILE="${secretFile}"`);
    fs.writeFileSync(path.join(remote.bare, 'hooks', 'post-receive'), hook, { mode: 0o755 });
  });
  afterAll(async () => {
    await releases.close();
    server.close();
  });

  it('signs the push so that the server accepts it and offers the new tag', async () => {
    expect(latestOf(releases, 'on-server')).toBe('1.0.0');
    remote.dev.write('on-server.php', pluginHeader('on-server', '1.1.0'));
    remote.dev.commit('release 1.1.0');
    remote.dev.tag('v1.1.0');
    // Asynchronously: the server answering the hook runs in this process.
    const { stderr } = await push(remote.dev.dir, 'main', 'v1.1.0');
    expect(stderr).toContain('remote: update server notified');
    expect(stderr).not.toContain('not notified');
    await eventually(() => (latestOf(releases, 'on-server') === '1.1.0' ? true : undefined), 2000);
    const accepted = capture.lines.filter((l) => l.msg === 'webhook accepted: refreshing');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ slug: 'on-server', scheme: 'generic', event: 'push' });
    expect(capture.text()).not.toContain(secret);
  });

  it('does not fail the push when the server is down or the secret is unreadable', async () => {
    const install = (serverUrl: string, secretFile: string) =>
      fs.writeFileSync(
        path.join(remote.bare, 'hooks', 'post-receive'),
        documentedHook()
          .replace(/^UPDATE_SERVER=.*$/m, `UPDATE_SERVER="${serverUrl}"`)
          .replace(/^SECRET_FILE=.*$/m, `SECRET_FILE="${secretFile}"`),
        { mode: 0o755 },
      );
    const deadPort = await freePort();
    const secretFile = path.join(tempDir('secret-'), 's');
    fs.writeFileSync(secretFile, 'x');

    install(`http://127.0.0.1:${deadPort}`, secretFile);
    remote.dev.commit('more work');
    const down = await push(remote.dev.dir, 'main');
    expect(down.stderr).toContain('remote: update server not notified (it will see the push at its next poll)');

    install(url, '/nonexistent/secret');
    remote.dev.commit('even more work');
    const unreadable = await push(remote.dev.dir, 'main');
    expect(unreadable.stderr).toContain('remote: update server not notified: cannot read /nonexistent/secret');
  });
});
