import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSource } from '../../src/releases/localSource.js';
import { ReleaseService } from '../../src/releases/service.js';
import { TestRepo, pluginHeader } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, latestOf, PluginRemote, registryWith } from '../publishing/support.js';
import { projectSettings } from '../helpers/settings.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const NOBODY = 65534;

const project = (slug: string, repository: string) => projectSettings(slug, repository, { isRemote: false });

/** git as a shell user would run it: with discovery (cwd), no global config. */
function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('LocalSource', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it.runIf(isRoot)('reads a bare repository owned by another OS user (no "dubious ownership")', async () => {
    const remote = new PluginRemote('foreign');
    remote.release('1.1.0');
    fs.chownSync(remote.bare, NOBODY, NOBODY);
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, remote.bare]);
    expect(fs.statSync(path.join(remote.bare, 'HEAD')).uid).toBe(NOBODY);
    // What git says when run inside it, as the old code did:
    expect(() => gitIn(remote.bare, 'rev-parse', '--absolute-git-dir')).toThrow(/dubious ownership/);

    expect(await new LocalSource().sync(project('foreign', remote.bare))).toBe(remote.bare);
    const { log } = captureLogger();
    const { registry } = await registryWith({ foreign: { repository: remote.bare } }, log);
    const releases = new ReleaseService(registry, new LocalSource(), log);
    cleanups.push(() => releases.close());
    await releases.start();
    expect(releases.state('foreign')!.error).toBeNull();
    expect(latestOf(releases, 'foreign')).toBe('1.1.0');
  });

  it.runIf(isRoot)('reads a working tree owned by another OS user', async () => {
    const repo = new TestRepo();
    repo.write('other.php', pluginHeader('Other', '2.0.0')).commit('release');
    repo.tag('v2.0.0');
    execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, repo.dir]);
    expect(() => gitIn(repo.dir, 'rev-parse', '--absolute-git-dir')).toThrow(/dubious ownership/);
    expect(await new LocalSource().sync(project('other', repo.dir))).toBe(path.join(repo.dir, '.git'));
  });

  it('reads a bare repository, a working tree and a linked worktree (.git file)', async () => {
    const remote = new PluginRemote('kinds');
    const source = new LocalSource();
    expect(await source.sync(project('kinds', remote.bare))).toBe(remote.bare);
    expect(await source.sync(project('kinds', remote.dev.dir))).toBe(path.join(remote.dev.dir, '.git'));
    const linked = path.join(tempDir('wt-'), 'linked');
    remote.dev.git('worktree', 'add', '-q', '-b', 'side', linked);
    expect(fs.statSync(path.join(linked, '.git')).isFile()).toBe(true);
    expect(await source.sync(project('kinds', linked))).toBe(path.join(remote.dev.dir, '.git', 'worktrees', 'linked'));
  });

  it('refuses a folder that is not a repository, even inside another repository', async () => {
    const repo = new TestRepo();
    const inner = path.join(repo.dir, 'not-a-repo');
    fs.mkdirSync(inner);
    // git discovery would climb up to the enclosing repository and read *its* tags.
    expect(gitIn(inner, 'rev-parse', '--absolute-git-dir').trim()).toBe(path.join(repo.dir, '.git'));
    await expect(new LocalSource().sync(project('inner', inner))).rejects.toThrow(
      `${inner} is not a git repository (no .git in it, and not a bare repository with HEAD, objects/ and refs/)`,
    );
    await expect(new LocalSource().sync(project('gone', path.join(repo.dir, 'missing')))).rejects.toThrow('does not exist or is not a directory');
  });

  it('refuses a folder that only looks bare', async () => {
    const dir = tempDir('fake-bare-');
    fs.writeFileSync(path.join(dir, 'HEAD'), 'garbage\n');
    fs.mkdirSync(path.join(dir, 'objects'));
    fs.mkdirSync(path.join(dir, 'refs'));
    await expect(new LocalSource().sync(project('fake', dir))).rejects.toThrow(`${dir} is not a readable git repository: git rev-parse failed`);
  });
});
