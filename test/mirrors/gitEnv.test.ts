import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitError, gitEnv, runGit } from '../../src/git/runner.js';
import { MirrorSource } from '../../src/mirrors/index.js';
import { git } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, PluginRemote } from '../publishing/support.js';
import { projectSettings as project } from '../helpers/settings.js';


const PROXY_NAMES = ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY'];

describe('git environment', () => {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const name of ['HOME', ...PROXY_NAMES]) saved[name] = process.env[name];
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("ignores the user's ~/.gitconfig: a url.<x>.insteadOf there does not redirect a mirror", async () => {
    const real = new PluginRemote('realone');
    const decoy = new PluginRemote('decoy', '9.9.9');
    const home = tempDir('home-');
    // If git read this file, every fetch of the real remote would go to the decoy.
    fs.writeFileSync(path.join(home, '.gitconfig'), `[url "file://${decoy.bare}"]\n\tinsteadOf = file://${real.bare}\n`);
    process.env.HOME = home;

    // The trap is real: git that reads the global config follows it.
    const followed = execFileSync('git', ['ls-remote', '--tags', `file://${real.bare}`], {
      env: { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' },
      encoding: 'utf8',
    });
    expect(followed).toContain('refs/tags/v9.9.9');

    expect(gitEnv().GIT_CONFIG_GLOBAL).toBe('/dev/null');
    expect(gitEnv().HOME).toBe(home); // kept: ssh reads known_hosts there
    const { log } = captureLogger();
    const gitDir = await new MirrorSource({ dataDir: tempDir('data-'), log }).sync(project('realone', real.fileUrl));
    expect(git(gitDir, 'for-each-ref', '--format=%(refname)', 'refs/tags')).toBe('refs/tags/v1.0.0');
  });

  it('passes proxy variables through to git, and nothing else of the environment', async () => {
    for (const name of PROXY_NAMES) delete process.env[name];
    process.env.WPUS_SOME_SECRET = 'do-not-pass';
    try {
      expect(Object.keys(gitEnv()).filter((k) => /proxy/i.test(k))).toEqual([]);
      process.env.https_proxy = 'http://proxy.internal:3128';
      process.env.NO_PROXY = 'localhost,.internal';
      const env = gitEnv();
      expect(env.https_proxy).toBe('http://proxy.internal:3128');
      expect(env.NO_PROXY).toBe('localhost,.internal');
      expect(env.WPUS_SOME_SECRET).toBeUndefined();
    } finally {
      delete process.env.WPUS_SOME_SECRET;
    }
  });

  it('really sends an http fetch through http_proxy', async () => {
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      for (const name of PROXY_NAMES) delete process.env[name];
      process.env.http_proxy = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      const err = await runGit(undefined, ['ls-remote', '--', 'http://git.example.invalid/acme/plugin.git'], { timeoutMs: 20_000 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GitError);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen[0]).toMatch(/^GET http:\/\/git\.example\.invalid\/acme\/plugin\.git\/info\/refs\?service=git-upload-pack$/);
    } finally {
      proxy.close();
    }
  });

  it('masks user info of URLs in GitError message, args and stderr', async () => {
    const missing = `https://deploy:tok-SECRET-1@127.0.0.1:1/acme/plugin.git`;
    const err = await runGit(undefined, ['ls-remote', '--', missing], { timeoutMs: 20_000 }).then(
      () => null,
      (e: unknown) => e as GitError,
    );
    expect(err).toBeInstanceOf(GitError);
    expect(err!.args).toEqual(['ls-remote', '--', 'https://***@127.0.0.1:1/acme/plugin.git']);
    expect(`${err!.message}\n${err!.stderr}\n${JSON.stringify(err)}`).not.toContain('tok-SECRET-1');
    expect(new GitError('x', ['-c', 'a=b', 'fetch', 'https://u:p@h/x'], 'fatal: https://u:p@h/x', 1).args).toEqual(['-c', 'a=b', 'fetch', 'https://***@h/x']);
  });
});
