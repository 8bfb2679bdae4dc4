import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectSettings } from '../../src/projects/types.js';
import { LocalSource } from '../../src/releases/localSource.js';
import { ReleaseService } from '../../src/releases/service.js';
import type { ProjectReleases, ProjectState, RepositorySource } from '../../src/releases/types.js';
import { TestRepo, pluginHeader } from '../helpers/git.js';
import { captureLogger, eventually, latestOf, registryWith } from '../publishing/support.js';

/** The real LocalSource behind a gate: syncs wait while `gate` is set, and are counted. */
class GatedSource implements RepositorySource {
  entered = 0;
  gate: Promise<void> | null = null;
  private readonly inner = new LocalSource();
  async sync(project: ProjectSettings): Promise<string> {
    this.entered++;
    if (this.gate) await this.gate;
    return this.inner.sync(project);
  }
  hold(): () => void {
    let open!: () => void;
    this.gate = new Promise<void>((r) => (open = r));
    return () => {
      this.gate = null;
      open();
    };
  }
}

/** A plugin repository with two branches, main and stable, always at the same tagged commit. */
function twinRepo(slug: string): { repo: TestRepo; release: (version: string) => void } {
  const repo = new TestRepo();
  const release = (version: string) => {
    repo.write(`${slug}.php`, pluginHeader(slug, version)).write('readme.md', `# ${slug}\n\nVersion ${version}.\n`);
    repo.commit(`release ${version}`);
    repo.tag(`v${version}`);
    repo.git('branch', '-f', 'stable', 'main');
  };
  release('1.0.0');
  return { repo, release };
}

describe('ReleaseService', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function service(slug: string, repository: string) {
    const capture = captureLogger();
    const { registry, dir } = await registryWith({ [slug]: { repository } }, capture.log);
    const source = new GatedSource();
    const releases = new ReleaseService(registry, source, capture.log);
    cleanups.push(() => releases.close());
    return { releases, source, registry, dir, ...capture };
  }

  it('coalesces N concurrent refreshes of one project into at most two syncs, all answered with the final state', async () => {
    const { repo, release } = twinRepo('coal');
    const { releases, source } = await service('coal', repo.dir);
    await releases.start();
    const before = source.entered;

    const open = source.hold();
    const calls = Array.from({ length: 12 }, (_, i) => releases.refresh('coal', i % 2 ? 'webhook' : 'cli'));
    await eventually(() => (source.entered > before ? true : undefined));
    release('1.1.0'); // pushed while the first sync is held: the follow-up run must see it
    calls.push(releases.refresh('coal', 'poll'));
    open();
    const states = await Promise.all(calls);

    expect(source.entered - before).toBe(2);
    expect(new Set(states).size).toBe(1);
    expect(states[0]).toBe(releases.state('coal'));
    expect(latestOf(releases, 'coal')).toBe('1.1.0');

    // Once idle, a new request runs again (nothing stays stuck).
    await releases.refresh('coal', 'cli');
    expect(source.entered - before).toBe(3);
  });

  it('runs a single sync for concurrent refreshes when nothing asks again during the run', async () => {
    const { repo } = twinRepo('single');
    const { releases, source } = await service('single', repo.dir);
    const before = source.entered;
    const open = source.hold();
    const first = releases.refresh('single', 'start');
    await eventually(() => (source.entered > before ? true : undefined));
    open();
    await first;
    expect(source.entered - before).toBe(1);
  });

  it('readers during refreshes see the full old or the full new releases, never a mix, and a published object never changes', async () => {
    const { repo, release } = twinRepo('atomic');
    const { releases } = await service('atomic', repo.dir);
    await releases.start();

    const snapshots = new Map<ProjectReleases, string>();
    const seen: string[] = [];
    let mixed: string | null = null;
    let reading = true;
    const snapshot = (r: ProjectReleases) =>
      JSON.stringify({ ...r, branches: [...r.branches.entries()].map(([k, b]) => [k, b.head, b.latest?.version, b.latest?.commit, b.versions.map((v) => v.version)]) });
    const reader = (async () => {
      while (reading) {
        const state: ProjectState | undefined = releases.state('atomic');
        const r = releases.releases('atomic');
        if (state?.status === 'ready' && state.releases !== r) mixed = 'state and releases() disagree';
        if (r) {
          const main = r.branches.get('main');
          const stable = r.branches.get('stable');
          if (!main || !stable || main.head !== stable.head || main.latest?.version !== stable.latest?.version || main.latest?.readme?.html !== stable.latest?.readme?.html) {
            mixed = `branches disagree: main ${main?.latest?.version}, stable ${stable?.latest?.version}`;
          }
          if (!snapshots.has(r)) snapshots.set(r, snapshot(r));
          const v = main?.latest?.version ?? '?';
          if (seen.at(-1) !== v) seen.push(v);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    for (const v of ['1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0']) {
      release(v);
      await releases.refresh('atomic', 'webhook');
    }
    await eventually(() => (seen.at(-1) === '1.5.0' ? true : undefined));
    reading = false;
    await reader;

    expect(mixed).toBeNull();
    expect(seen).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0']);
    expect(snapshots.size).toBe(6);
    for (const [object, text] of snapshots) expect(snapshot(object)).toBe(text);
  });

  it('starts no fetch after close(): the current state is returned as it is', async () => {
    const { repo } = twinRepo('closed');
    const { releases, source, registry } = await service('closed', repo.dir);
    await releases.start();
    const current = releases.state('closed');
    await releases.close();
    const before = source.entered;

    const after = await releases.refresh('closed', 'webhook');

    expect(source.entered).toBe(before);
    expect(after).toBe(current);
    // A project never read before shutdown gets a real state, not undefined.
    expect(registry.get('closed')).toBeDefined();
    const unknown = await releases.refresh('never-read', 'webhook');
    expect(unknown).toMatchObject({ slug: 'never-read', status: 'failed', releases: null });
    expect(unknown.error).toContain('shutting down');
    expect(source.entered).toBe(before);
  });

  it('answers a real state when the project is removed during its first refresh', async () => {
    const { repo } = twinRepo('vanish');
    const { releases, source, registry, dir } = await service('vanish', repo.dir);
    const removed: string[] = [];
    releases.onRemoved((slug) => removed.push(slug));
    const open = source.hold();
    const [pending] = [releases.start()];
    await eventually(() => (source.entered > 0 ? true : undefined));
    expect(releases.state('vanish')?.status).toBe('pending');

    fs.rmSync(path.join(dir, 'vanish.json'));
    await registry.load();
    expect(removed).toEqual(['vanish']);
    open();
    const [state] = await pending;

    expect(state).toMatchObject({ slug: 'vanish', status: 'failed', releases: null, error: 'project removed during its refresh' });
    expect(releases.state('vanish')).toBeUndefined();
  });

  it('tells refresh listeners about every attempt, whoever asked, with the state it left', async () => {
    const { repo } = twinRepo('told');
    const { releases } = await service('told', repo.dir);
    const heard: [string, string | null, number][] = [];
    releases.onRefreshed((state, reason) => heard.push([reason, state.error, state.failures]));
    await releases.start();
    const moved = `${repo.dir}-away`;
    fs.renameSync(repo.dir, moved);
    await releases.refresh('told', 'webhook');
    fs.renameSync(moved, repo.dir);
    await releases.refresh('told', 'cli');
    expect(heard.map(([reason, error, failures]) => [reason, error === null ? null : 'error', failures])).toEqual([
      ['start', null, 0],
      ['webhook', 'error', 1],
      ['cli', null, 0],
    ]);
  });
});
