import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MirrorSource, mirrorPaths } from '../../src/mirrors/index.js';
import { ReleaseService } from '../../src/releases/service.js';
import { git } from '../helpers/git.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, latestOf, PluginRemote, registryWith } from '../publishing/support.js';
import { projectSettings as project } from '../helpers/settings.js';

/** A script that leaves a marker file when run: if git ever executes an injected value, the marker appears. */
function trap(): { script: string; marker: string } {
  const dir = tempDir('trap-');
  const marker = path.join(dir, 'PWNED');
  const script = path.join(dir, 'evil');
  fs.writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
  return { script, marker };
}


describe('git option injection', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('refuses repository values git would read as options or as command-running transports', async () => {
    const { script, marker } = trap();
    const dataDir = tempDir('data-');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir, log });
    const attempts: [string, RegExp][] = [
      [`--upload-pack=${script}`, /must not start with "-"/],
      [`-oProxyCommand=${script}`, /must not start with "-"/],
      [`ext::sh -c ${script}`, /transport::address/],
      [`ext::${script}`, /transport::address/],
      [`fd::3`, /transport::address/],
      [`ssh://-oProxyCommand=${script}/repo.git`, /host must not start with "-"/],
      [`git@example.org:--upload-pack=${script}`, /must not start with "-"/],
      [`gopher://127.0.0.1/x`, /unsupported URL scheme/],
      [`/srv/git/local.git`, /is a local path, not a remote URL/],
    ];
    for (const [repository, why] of attempts) {
      await expect(source.sync(project('victim', repository)), repository).rejects.toThrow(why);
    }
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'mirrors'))).toBe(false);
  });

  it('settings with such repositories never load, so they never reach the mirror', async () => {
    const { script } = trap();
    const { log } = captureLogger();
    const { registry } = await registryWith(
      {
        a: { repository: `--upload-pack=${script}` },
        b: { repository: `ext::sh -c ${script}` },
        c: { repository: `ssh://-oProxyCommand=${script}/x` },
      },
      log,
    );
    expect(registry.list()).toEqual([]);
    expect(registry.problems().map((p) => [p.slug, p.key])).toEqual([
      ['a', 'repository'],
      ['b', 'repository'],
      ['c', 'repository'],
    ]);
  });

  it('keeps every mirror inside <dataDir>/mirrors: slugs with "../", "/" or a leading "." are refused', async () => {
    const dataDir = tempDir('data-');
    const remote = new PluginRemote('ok');
    const { log } = captureLogger();
    const source = new MirrorSource({ dataDir, log });
    for (const slug of ['../escape', '..', 'a/../../b', 'a/b', '.hidden', '', 'UPPER', '-x']) {
      expect(() => mirrorPaths(dataDir, slug), slug).toThrow(/invalid project slug/);
      await expect(source.sync(project(slug, remote.fileUrl)), slug).rejects.toThrow(/invalid project slug/);
    }
    expect(fs.readdirSync(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(path.dirname(dataDir), 'escape.git'))).toBe(false);
  });

  it('mirrors a remote with branches and tags named like options harmlessly, and ignores them', async () => {
    const { script, marker } = trap();
    const remote = new PluginRemote('hostile');
    const head = git(remote.bare, 'rev-parse', 'refs/heads/main');
    // Names git allows in a ref but that would be options on a command line.
    for (const ref of [`refs/heads/--upload-pack=${script}`, 'refs/heads/-x', 'refs/tags/-x', `refs/tags/--upload-pack=${script}`, 'refs/tags/-1.2.0']) {
      git(remote.bare, 'update-ref', ref, head);
    }
    // The remote's HEAD points at the hostile branch: it must not become the mirror's default branch.
    git(remote.bare, 'symbolic-ref', 'HEAD', `refs/heads/--upload-pack=${script}`);

    const { log } = captureLogger();
    const { registry } = await registryWith({ hostile: { repository: remote.fileUrl } }, log);
    const source = new MirrorSource({ dataDir: tempDir('data-'), log });
    const releases = new ReleaseService(registry, source, log);
    cleanups.push(() => releases.close());
    const [state] = await releases.start();

    expect(state!.status).toBe('ready');
    expect(state!.error).toBeNull();
    const resolved = releases.releases('hostile')!;
    expect([...resolved.branches.keys()]).toEqual(['main']);
    expect(resolved.defaultBranch).toBe('main');
    expect(latestOf(releases, 'hostile')).toBe('1.0.0');
    expect(resolved.branches.get('main')!.versions.map((v) => v.tag)).toEqual(['v1.0.0']);
    expect(resolved.problems).toContain(`branch ${JSON.stringify(`--upload-pack=${script}`)} ignored: unsafe name`);
    expect(resolved.problems).toContain('branch "-x" ignored: unsafe name');
    // The refs were mirrored as plain data; the mirror's HEAD did not follow the hostile branch.
    const gitDir = source.mirrorDir('hostile');
    expect(git(gitDir, 'for-each-ref', '--format=%(refname)', 'refs/tags').split('\n').sort()).toEqual(
      [`refs/tags/--upload-pack=${script}`, 'refs/tags/-1.2.0', 'refs/tags/-x', 'refs/tags/v1.0.0'].sort(),
    );
    expect(git(gitDir, 'symbolic-ref', 'HEAD')).not.toContain('upload-pack');

    await releases.refresh('hostile', 'again');
    expect(fs.existsSync(marker)).toBe(false);
  });
});
