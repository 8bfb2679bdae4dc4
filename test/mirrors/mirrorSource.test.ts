import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MirrorSource } from '../../src/mirrors/index.js';
import { LocalSource, RoutingSource } from '../../src/releases/localSource.js';
import { ReleaseService } from '../../src/releases/service.js';
import { git } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, eventually, latestOf, PluginRemote, registryWith } from '../publishing/support.js';
import { projectSettings as project } from '../helpers/settings.js';

function refs(gitDir: string): string[] {
  return git(gitDir, 'for-each-ref', '--format=%(refname)').split('\n').filter(Boolean).sort();
}


describe('MirrorSource', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('clones a remote into <dataDir>/mirrors/<slug>.git as a bare mirror of branches and tags', async () => {
    const remote = new PluginRemote('alpha');
    remote.dev.git('update-ref', 'refs/pull/1/head', 'HEAD');
    remote.dev.git('push', '-q', 'origin', 'refs/pull/1/head');
    const dataDir = tempDir('data-');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir, log });

    const gitDir = await source.sync(project('alpha', remote.fileUrl));

    expect(gitDir).toBe(path.join(dataDir, 'mirrors', 'alpha.git'));
    expect(git(gitDir, 'rev-parse', '--is-bare-repository')).toBe('true');
    // Branches and tags only: a host's pull-request refs are not mirrored.
    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v1.0.0']);
    expect(git(gitDir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(git(gitDir, 'rev-parse', 'refs/tags/v1.0.0')).toBe(git(remote.bare, 'rev-parse', 'refs/tags/v1.0.0'));
    // Nothing left in the temp folder once the clone is in place.
    expect(fs.readdirSync(path.join(dataDir, 'mirrors', '.tmp'))).toEqual([]);
  });

  it('fetches new tags and prunes deleted branches and tags', async () => {
    const remote = new PluginRemote('beta');
    remote.dev.checkout('feature', true).commit('feature work');
    remote.dev.git('push', '-q', 'origin', 'feature');
    remote.dev.checkout('main');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const p = project('beta', remote.fileUrl);
    const gitDir = await source.sync(p);
    expect(refs(gitDir)).toEqual(['refs/heads/feature', 'refs/heads/main', 'refs/tags/v1.0.0']);

    remote.release('1.1.0');
    git(remote.bare, 'branch', '-D', 'feature');
    git(remote.bare, 'tag', '-d', 'v1.0.0');
    await source.sync(p);

    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v1.1.0']);
    expect(git(gitDir, 'rev-parse', 'refs/heads/main')).toBe(git(remote.bare, 'rev-parse', 'refs/heads/main'));
  });

  it("follows the remote's default branch", async () => {
    const remote = new PluginRemote('gamma');
    remote.dev.checkout('develop', true).commit('dev');
    remote.dev.git('push', '-q', 'origin', 'develop');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const p = project('gamma', remote.fileUrl);
    const gitDir = await source.sync(p);
    expect(git(gitDir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');

    git(remote.bare, 'symbolic-ref', 'HEAD', 'refs/heads/develop');
    await source.sync(p);
    expect(git(gitDir, 'symbolic-ref', 'HEAD')).toBe('refs/heads/develop');
  });

  it('re-clones a mirror whose HEAD is garbage (git cannot open it) and moves the old one aside', async () => {
    const remote = new PluginRemote('delta');
    const dataDir = tempDir('data-');
    const { log, lines } = captureLogger();
    const source = new MirrorSource({ dataDir, log });
    const p = project('delta', remote.fileUrl);
    const gitDir = await source.sync(p);
    fs.writeFileSync(path.join(gitDir, 'HEAD'), 'garbage\n');

    remote.release('1.1.0');
    expect(await source.sync(p)).toBe(gitDir);

    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v1.0.0', 'refs/tags/v1.1.0']);
    expect(fs.readFileSync(path.join(dataDir, 'mirrors', '.broken', 'delta.git', 'HEAD'), 'utf8')).toBe('garbage\n');
    expect(lines.some((l) => l.msg === 'mirror is corrupt; re-cloning' && l.slug === 'delta')).toBe(true);
  });

  it('re-clones a mirror whose object files are damaged although its refs look fine', async () => {
    const remote = new PluginRemote('epsilon');
    const dataDir = tempDir('data-');
    const { log, lines } = captureLogger();
    const source = new MirrorSource({ dataDir, log });
    const p = project('epsilon', remote.fileUrl);
    const gitDir = await source.sync(p);
    for (const file of fs.readdirSync(path.join(gitDir, 'objects'), { recursive: true, encoding: 'utf8' })) {
      const full = path.join(gitDir, 'objects', file);
      if (!fs.statSync(full).isFile()) continue;
      fs.chmodSync(full, 0o644);
      fs.writeFileSync(full, 'junk');
    }
    expect(() => git(gitDir, 'cat-file', '-t', 'refs/heads/main')).toThrow();

    await source.sync(p);

    expect(git(gitDir, 'cat-file', '-t', 'refs/heads/main')).toBe('commit');
    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v1.0.0']);
    expect(lines.filter((l) => l.msg === 'mirror is corrupt; re-cloning' && l.slug === 'epsilon')).toHaveLength(1);
    expect(fs.existsSync(path.join(dataDir, 'mirrors', '.broken', 'epsilon.git'))).toBe(true);
  });

  it('re-clones a mirror whose damage only shows while reading releases (a tree deep in history), serving them from the same refresh', async () => {
    const remote = new PluginRemote('kappa');
    // An old release kept on its own branch: resolving that branch reads the root commit's tree.
    remote.dev.git('branch', 'legacy', 'v1.0.0');
    remote.dev.git('push', '-q', 'origin', 'legacy');
    remote.release('1.1.0');
    remote.release('1.2.0');
    const dataDir = tempDir('data-');
    const { log, lines } = captureLogger();
    const { registry } = await registryWith({ kappa: { repository: remote.fileUrl } }, log);
    const first = new ReleaseService(registry, new RoutingSource(new LocalSource(), new MirrorSource({ dataDir, log })), log);
    await first.start();
    expect(latestOf(first, 'kappa', 'legacy')).toBe('1.0.0');
    await first.close();

    // Damage the root commit's tree in the mirror: fetching and checking the refs never read it.
    const gitDir = path.join(dataDir, 'mirrors', 'kappa.git');
    const tree = git(gitDir, 'rev-parse', 'v1.0.0^{tree}');
    const loose = path.join(gitDir, 'objects', tree.slice(0, 2), tree.slice(2));
    expect(fs.existsSync(loose)).toBe(true);
    fs.chmodSync(loose, 0o644);
    fs.writeFileSync(loose, 'junk');
    expect(() => git(gitDir, 'ls-tree', 'v1.0.0')).toThrow(/corrupt/);

    // A restarted server (no metadata cached) refreshes: fetch and ref check pass, resolving fails, the mirror is re-cloned.
    const releases = new ReleaseService(registry, new RoutingSource(new LocalSource(), new MirrorSource({ dataDir, log })), log);
    cleanups.push(() => releases.close());
    const state = await releases.refresh('kappa', 'test');

    expect(state.error).toBeNull();
    expect(state.status).toBe('ready');
    expect(latestOf(releases, 'kappa')).toBe('1.2.0');
    expect(latestOf(releases, 'kappa', 'legacy')).toBe('1.0.0');
    expect(git(gitDir, 'ls-tree', '--name-only', 'v1.0.0')).toContain('kappa.php');
    expect(fs.existsSync(path.join(dataDir, 'mirrors', '.broken', 'kappa.git'))).toBe(true);
    expect(lines.some((l) => l.msg === 'repository damaged while reading releases; re-cloning' && l.slug === 'kappa')).toBe(true);
    expect(lines.filter((l) => l.msg === 'mirror is corrupt; re-cloning' && l.slug === 'kappa')).toHaveLength(1);
  });

  it('does not re-clone when reading releases fails for a reason that is not damage', async () => {
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const p = project('lambda', 'file:///nowhere.git');
    expect(source.reportDamaged(p, new Error('git for-each-ref failed: fatal: unable to access the remote'))).toBe(false);
    expect(source.reportDamaged(p, new Error("fatal: loose object 0123456789abcdef (stored in x) is corrupt"))).toBe(true);
  });

  it('repairs a mirror whose objects were deleted (fetch brings them back)', async () => {
    const remote = new PluginRemote('iota');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const p = project('iota', remote.fileUrl);
    const gitDir = await source.sync(p);
    for (const entry of fs.readdirSync(path.join(gitDir, 'objects'))) {
      if (/^[0-9a-f]{2}$/.test(entry) || entry === 'pack') fs.rmSync(path.join(gitDir, 'objects', entry), { recursive: true });
    }
    expect(() => git(gitDir, 'cat-file', '-e', 'refs/heads/main')).toThrow();

    await source.sync(p);

    expect(git(gitDir, 'cat-file', '-t', 'refs/heads/main')).toBe('commit');
    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v1.0.0']);
  });

  it('keeps the mirror and fails when the remote disappears; the ReleaseService keeps serving the old releases', async () => {
    const remote = new PluginRemote('zeta');
    const { log, lines } = captureLogger();
    const { registry } = await registryWith({ zeta: { repository: remote.fileUrl } }, log);
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const releases = new ReleaseService(registry, source, log);
    cleanups.push(() => releases.close());
    await releases.start();
    expect(latestOf(releases, 'zeta')).toBe('1.0.0');
    const gitDir = source.mirrorDir('zeta');

    fs.rmSync(remote.bare, { recursive: true, force: true });
    const state = await releases.refresh('zeta', 'test');

    expect(state.status).toBe('ready');
    expect(state.failures).toBe(1);
    expect(state.error).toBe(`fetch from ${remote.fileUrl} failed: fatal: '${remote.bare}' does not appear to be a git repository; fatal: Could not read from remote repository.`);
    expect(latestOf(releases, 'zeta')).toBe('1.0.0');
    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v1.0.0']);
    // Not mistaken for a corrupt mirror.
    expect(lines.some((l) => l.msg === 'mirror is corrupt; re-cloning')).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(gitDir), '.broken'))).toBe(false);
  });

  it('clones afresh when the repository URL of a project changes', async () => {
    const first = new PluginRemote('eta');
    const second = new PluginRemote('eta', '2.0.0');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const gitDir = await source.sync(project('eta', first.fileUrl));
    expect(refs(gitDir)).toContain('refs/tags/v1.0.0');

    await source.sync(project('eta', second.fileUrl));
    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v2.0.0']);
  });

  it('runs concurrent syncs of one project one after another, all succeeding', async () => {
    const remote = new PluginRemote('theta');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const p = project('theta', remote.fileUrl);
    const results = await Promise.all(Array.from({ length: 6 }, () => source.sync(p)));
    expect(new Set(results)).toEqual(new Set([source.mirrorDir('theta')]));
    expect(refs(results[0]!)).toEqual(['refs/heads/main', 'refs/tags/v1.0.0']);
  });

  it('does not make other projects wait for a slow one', async () => {
    const fast = new PluginRemote('fast');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir: tempDir('data-'), log, fetchTimeoutMs: 60_000 });
    // A git:// "host" on loopback that accepts the connection and never answers.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    let slowDone = false;
    const slow = source.sync(project('slow', `git://127.0.0.1:${port}/never.git`)).finally(() => (slowDone = true));
    slow.catch(() => undefined);
    await eventually(() => (sockets.length > 0 ? true : undefined));

    const gitDir = await source.sync(project('fast', fast.fileUrl));
    expect(refs(gitDir)).toEqual(['refs/heads/main', 'refs/tags/v1.0.0']);
    expect(slowDone).toBe(false);

    for (const s of sockets) s.destroy();
    silent.close();
    await expect(slow).rejects.toThrow(/^fetch from git:\/\/127\.0\.0\.1:\d+\/never\.git failed: /);
    expect(fs.existsSync(source.mirrorDir('slow'))).toBe(false);
  });
});
