import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveStore } from '../../src/archives/store.js';
import { MirrorSource } from '../../src/mirrors/index.js';
import { attachHousekeeping, keptReleases } from '../../src/publishing/housekeeping.js';
import { ReleaseService } from '../../src/releases/service.js';
import type { ProjectReleases } from '../../src/releases/types.js';
import { git } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, eventually, latestOf, PluginRemote, registryWith } from './support.js';

const sha = (n: number) => n.toString(16).padStart(40, '0');

function zipsOf(archives: ArchiveStore, slug: string): string[] {
  const dir = path.join(archives.dir, slug);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.zip'))
    .map((n) => n.split('-')[1]!) // <slug>-<version>-<commit12>-<hash>.zip → version (slug has no "-" here)
    .sort();
}

async function setup(keepVersions: number, settings: Record<string, object> = {}) {
  const remote = new PluginRemote('kept');
  const { log, lines } = captureLogger();
  const { registry } = await registryWith({ kept: { repository: remote.fileUrl, prereleaseBranches: ['beta'] }, ...settings }, log);
  const archives = new ArchiveStore({ dir: tempDir('archives-'), log });
  await archives.init();
  const releases = new ReleaseService(registry, new MirrorSource({ dataDir: tempDir('data-'), log }), log);
  const stop = attachHousekeeping({ releases, archives, keepVersions, log });
  return { remote, releases, archives, stop, lines, log };
}

describe('housekeeping', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('builds the zip of a new latest release in the background, before any download', async () => {
    const h = await setup(5);
    cleanups.push(() => h.archives.close(), () => h.releases.close(), h.stop);
    await h.releases.start();
    await eventually(() => (zipsOf(h.archives, 'kept').includes('1.0.0') ? true : undefined), 5000);

    const commit = h.remote.release('1.1.0');
    await h.releases.refresh('kept', 'webhook');
    const file = h.archives.pathFor({ slug: 'kept', version: '1.1.0', commit, folderName: 'kept' });
    await eventually(() => (fs.existsSync(file) ? true : undefined), 5000);
    await eventually(() => (h.lines.some((l) => l.msg === 'release zip built' && l.version === '1.1.0') ? true : undefined), 5000);
  });

  it('keeps at most keepVersions versions per branch and removes zips of releases no longer served', async () => {
    const h = await setup(2);
    cleanups.push(() => h.archives.close(), () => h.releases.close(), h.stop);
    h.remote.release('1.1.0');
    h.remote.release('1.2.0');
    await h.releases.start();
    const gitDir = h.releases.releases('kept')!.gitDir;
    // Zips of older versions exist too (sites downloaded them as rollbacks).
    for (const v of ['1.0.0', '1.1.0']) {
      await h.archives.get({ slug: 'kept', version: v, commit: git(gitDir, 'rev-parse', `v${v}^{commit}`), folderName: 'kept', gitDir });
    }
    await eventually(() => (zipsOf(h.archives, 'kept').length === 3 ? true : undefined), 5000);

    h.remote.release('1.3.0');
    await h.releases.refresh('kept', 'webhook');
    await eventually(() => (zipsOf(h.archives, 'kept').join() === '1.2.0,1.3.0' ? true : undefined), 5000);

    // The newest tag is deleted upstream: its zip goes, the release before it is served (and built) again.
    git(h.remote.bare, 'tag', '-d', 'v1.3.0');
    git(h.remote.bare, 'update-ref', 'refs/heads/main', 'refs/tags/v1.2.0^{commit}');
    await h.releases.refresh('kept', 'webhook');
    expect(latestOf(h.releases, 'kept')).toBe('1.2.0');
    await eventually(() => (zipsOf(h.archives, 'kept').join() === '1.2.0' ? true : undefined), 5000);
  });

  it('counts versions per branch: a beta channel keeps its own', async () => {
    const h = await setup(1);
    cleanups.push(() => h.archives.close(), () => h.releases.close(), h.stop);
    h.remote.dev.checkout('beta', true);
    h.remote.release('1.1.0-beta.1', 'beta');
    h.remote.dev.checkout('main');
    await h.releases.start();
    await eventually(() => (zipsOf(h.archives, 'kept').join() === '1.0.0,1.1.0' ? true : undefined), 5000);
    expect(fs.readdirSync(path.join(h.archives.dir, 'kept')).some((n) => n.startsWith('kept-1.1.0-beta.1-'))).toBe(true);
  });

  it('removes every zip of a project whose settings file is removed, and only of that project', async () => {
    const gone = new PluginRemote('gone');
    const stays = new PluginRemote('stays');
    const { log, lines } = captureLogger();
    const { registry, dir } = await registryWith({ gone: { repository: gone.fileUrl }, stays: { repository: stays.fileUrl } }, log);
    const archives = new ArchiveStore({ dir: tempDir('archives-'), log });
    await archives.init();
    const releases = new ReleaseService(registry, new MirrorSource({ dataDir: tempDir('data-'), log }), log);
    const stop = attachHousekeeping({ releases, archives, keepVersions: 5, log });
    cleanups.push(() => archives.close(), () => releases.close(), stop);
    await releases.start();
    await eventually(() => (zipsOf(archives, 'gone').join() === '1.0.0' && zipsOf(archives, 'stays').join() === '1.0.0' ? true : undefined), 5000);

    fs.rmSync(path.join(dir, 'gone.json'));
    await registry.load();

    await eventually(() => (zipsOf(archives, 'gone').length === 0 ? true : undefined), 5000);
    expect(lines.some((l) => l.msg === 'old release zips removed' && l.slug === 'gone')).toBe(true);
    expect(zipsOf(archives, 'stays')).toEqual(['1.0.0']);

    // A settings file disabled by a mistake keeps its zips: the fix usually follows.
    fs.writeFileSync(path.join(dir, 'stays.json'), '{ "repository": 42 }');
    await registry.load();
    await eventually(() => (registry.get('stays') === undefined ? true : undefined), 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(zipsOf(archives, 'stays')).toEqual(['1.0.0']);

    // Back again: its zip is built again.
    fs.writeFileSync(path.join(dir, 'gone.json'), JSON.stringify({ repository: gone.fileUrl }));
    await registry.load();
    await eventually(() => (zipsOf(archives, 'gone').join() === '1.0.0' ? true : undefined), 5000);
  });

  it('stops when unsubscribed', async () => {
    const h = await setup(5);
    cleanups.push(() => h.archives.close(), () => h.releases.close());
    await h.releases.start();
    await eventually(() => (zipsOf(h.archives, 'kept').length === 1 ? true : undefined), 5000);
    h.stop();
    h.remote.release('1.1.0');
    await h.releases.refresh('kept', 'webhook');
    await new Promise((r) => setTimeout(r, 300));
    expect(zipsOf(h.archives, 'kept')).toEqual(['1.0.0']);
  });

  it('keptReleases: per branch, the offered latest first, then the highest versions', () => {
    const releases: ProjectReleases = {
      slug: 'p',
      gitDir: '/x',
      defaultBranch: 'main',
      problems: [],
      resolvedAt: '',
      branches: new Map([
        [
          'main',
          {
            name: 'main',
            head: sha(9),
            // 1.3.0 is tagged but mismatched: the latest served is 1.2.0.
            latest: { version: '1.2.0', tag: 'v1.2.0', commit: sha(2), date: '', header: {}, readme: null, assets: { icons: {}, banners: {} } },
            versions: [
              { version: '1.3.0', tag: 'v1.3.0', commit: sha(3) },
              { version: '1.2.0', tag: 'v1.2.0', commit: sha(2) },
              { version: '1.1.0', tag: 'v1.1.0', commit: sha(1) },
            ],
          },
        ],
        ['empty', { name: 'empty', head: sha(8), latest: null, versions: [] }],
      ]),
    };
    expect(keptReleases(releases, 2)).toEqual([
      { version: '1.2.0', commit: sha(2) },
      { version: '1.3.0', commit: sha(3) },
    ]);
    expect(keptReleases(releases, 1)).toEqual([{ version: '1.2.0', commit: sha(2) }]);
  });
});
