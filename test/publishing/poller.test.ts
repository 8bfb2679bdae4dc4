import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MirrorSource } from '../../src/mirrors/index.js';
import type { ProjectSettings } from '../../src/projects/types.js';
import { Poller } from '../../src/publishing/poller.js';
import { LocalSource, RoutingSource } from '../../src/releases/localSource.js';
import { ReleaseService } from '../../src/releases/service.js';
import type { RepositorySource } from '../../src/releases/types.js';
import { tempDir } from '../helpers/tmp.js';
import { captureLogger, eventually, latestOf, PluginRemote, registryWith } from './support.js';

/** The real sources, optionally held at a gate (to observe close() waiting for a running refresh). */
class GatedSource implements RepositorySource {
  gate: Promise<void> | null = null;
  entered = 0;
  constructor(private readonly inner: RepositorySource) {}
  async sync(project: ProjectSettings): Promise<string> {
    this.entered++;
    if (this.gate) await this.gate;
    return this.inner.sync(project);
  }
}

function sources(log: ReturnType<typeof captureLogger>['log']): GatedSource {
  return new GatedSource(new RoutingSource(new LocalSource(), new MirrorSource({ dataDir: tempDir('data-'), log })));
}

/** Refreshes the ReleaseService logged with a given reason, per slug. */
function refreshes(lines: Record<string, unknown>[], slug: string, reason: string): number {
  return lines.filter((l) => l.slug === slug && l.reason === reason && (l.msg === 'releases resolved' || l.msg === 'refresh failed; serving the last good releases')).length;
}

describe('Poller', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('offers a pushed tag within the interval without any webhook, for remote and local repositories', async () => {
    const remote = new PluginRemote('viaremote');
    const local = new PluginRemote('vialocal');
    const { log } = captureLogger();
    const { registry } = await registryWith(
      { viaremote: { repository: remote.fileUrl }, vialocal: { repository: local.bare } },
      log,
    );
    expect(registry.get('vialocal')!.isRemote).toBe(false);
    const releases = new ReleaseService(registry, sources(log), log);
    await releases.start();
    const poller = new Poller({ projects: registry, releases, log, intervalSeconds: 1 });
    poller.start();
    cleanups.push(() => releases.close(), () => poller.close());
    expect(poller.scheduled()).toEqual(['vialocal', 'viaremote']);

    remote.release('1.1.0');
    local.release('1.0.1');
    await eventually(() => (latestOf(releases, 'viaremote') === '1.1.0' && latestOf(releases, 'vialocal') === '1.0.1' ? true : undefined), 1100 * 1.1 + 1000);
  });

  it('skips projects refreshed within the last half interval', async () => {
    const busy = new PluginRemote('busy');
    const quiet = new PluginRemote('quiet');
    const { log, lines } = captureLogger();
    const { registry } = await registryWith({ busy: { repository: busy.fileUrl }, quiet: { repository: quiet.fileUrl } }, log);
    const releases = new ReleaseService(registry, sources(log), log);
    await releases.start();
    const poller = new Poller({ projects: registry, releases, log, intervalSeconds: 1 });
    cleanups.push(() => releases.close(), () => poller.close());
    poller.start();
    // "busy" is refreshed by someone else (webhooks) every 150 ms: the poller never needs to.
    const until = Date.now() + 2600;
    while (Date.now() < until) {
      await releases.refresh('busy', 'webhook');
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(refreshes(lines, 'busy', 'poll')).toBe(0);
    expect(refreshes(lines, 'quiet', 'poll')).toBeGreaterThanOrEqual(1);
  });

  it('retries a failing project with backoff while healthy ones wait for the interval, and recovers', async () => {
    const failing = new PluginRemote('failing');
    const healthy = new PluginRemote('healthy');
    const { log, lines } = captureLogger();
    const { registry } = await registryWith({ failing: { repository: failing.fileUrl }, healthy: { repository: healthy.fileUrl } }, log);
    const releases = new ReleaseService(registry, sources(log), log);
    await releases.start();
    const moved = `${failing.bare}-away`;
    fs.renameSync(failing.bare, moved); // the host goes down
    await releases.refresh('failing', 'webhook');
    expect(releases.state('failing')!.failures).toBe(1);

    const poller = new Poller({ projects: registry, releases, log, intervalSeconds: 60, retryBaseSeconds: 0.1 });
    cleanups.push(() => releases.close(), () => poller.close());
    poller.start();
    await eventually(() => (refreshes(lines, 'failing', 'poll') >= 3 ? true : undefined), 4000);
    expect(releases.state('failing')!.failures).toBeGreaterThanOrEqual(4);
    expect(latestOf(releases, 'failing')).toBe('1.0.0'); // the last good releases are still served
    expect(refreshes(lines, 'healthy', 'poll')).toBe(0);

    fs.renameSync(moved, failing.bare); // the host is back
    await eventually(() => (releases.state('failing')!.failures === 0 ? true : undefined), 4000);
    const attempts = refreshes(lines, 'failing', 'poll');
    await new Promise((r) => setTimeout(r, 500));
    expect(refreshes(lines, 'failing', 'poll')).toBe(attempts); // healthy again: next turn in a minute
  });

  it('follows projects added and removed while running', async () => {
    const first = new PluginRemote('first');
    const second = new PluginRemote('second');
    const { log } = captureLogger();
    const { registry, write, dir } = await registryWith({ first: { repository: first.fileUrl } }, log);
    const releases = new ReleaseService(registry, sources(log), log);
    await releases.start();
    const poller = new Poller({ projects: registry, releases, log, intervalSeconds: 30 });
    cleanups.push(() => releases.close(), () => poller.close());
    poller.start();
    expect(poller.scheduled()).toEqual(['first']);

    write('second', { repository: second.fileUrl });
    await registry.load();
    expect(poller.scheduled()).toEqual(['first', 'second']);
    fs.rmSync(`${dir}/first.json`);
    await registry.load();
    expect(poller.scheduled()).toEqual(['second']);
  });

  it('does nothing with an interval of 0', async () => {
    const { log, lines } = captureLogger();
    const remote = new PluginRemote('off');
    const { registry } = await registryWith({ off: { repository: remote.fileUrl } }, log);
    const releases = new ReleaseService(registry, sources(log), log);
    const poller = new Poller({ projects: registry, releases, log, intervalSeconds: 0 });
    poller.start();
    cleanups.push(() => poller.close());
    expect(poller.scheduled()).toEqual([]);
    expect(lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('polling disabled'))).toBe(true);
  });

  it('close() stops the timers and waits for a running refresh', async () => {
    const remote = new PluginRemote('closing');
    const { log, lines } = captureLogger();
    const { registry } = await registryWith({ closing: { repository: remote.fileUrl } }, log);
    const source = sources(log);
    const releases = new ReleaseService(registry, source, log);
    await releases.start();
    let open!: () => void;
    source.gate = new Promise((r) => (open = r));
    const entered = source.entered;
    const poller = new Poller({ projects: registry, releases, log, intervalSeconds: 0.2 });
    poller.start();
    remote.release('1.1.0');
    await eventually(() => (source.entered > entered ? true : undefined), 3000);

    let closed = false;
    const closing = poller.close().then(() => (closed = true));
    expect(poller.scheduled()).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false); // still waiting for the held refresh
    source.gate = null;
    open();
    await closing;
    expect(latestOf(releases, 'closing')).toBe('1.1.0');
    const polls = refreshes(lines, 'closing', 'poll');
    await new Promise((r) => setTimeout(r, 500));
    expect(refreshes(lines, 'closing', 'poll')).toBe(polls);
    expect(poller.scheduled()).toEqual([]);
    await releases.close();
  });
});
