import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { FakeSites, type FakeSite, type FakeSiteOptions } from '../helpers/fakeSites.js';
import { createSite, usePanel } from '../panel/harness.js';
import { waitForJob } from './support.js';

/** Three hosts (loopback addresses): sites are spread over them unless pinned with `host`. */
const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

let fake: FakeSites;
beforeAll(async () => {
  fake = await FakeSites.start(HOSTS);
});
afterAll(() => fake.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(5);
  }
}

/**
 * Besides REMOTE_CONCURRENCY, this instance never calls one site twice at once (jobs, plugin
 * actions and multisite calls wait for each other) and calls one host at most twice at once.
 */
describe.each(dbTargets)('calls per site and per host (%s)', (target) => {
  const h = usePanel(target, { env: { ALLOW_PRIVATE_SITES: 'true', REMOTE_CONCURRENCY: '16', REMOTE_TIMEOUT_MS: '5000' } });

  async function sites(n: number, options: FakeSiteOptions = {}): Promise<{ id: number; fake: FakeSite }[]> {
    const out = [];
    for (let i = 0; i < n; i++) {
      const f = fake.add(options);
      out.push({ id: (await createSite(h.admin, { name: `site ${f.id}`, url: f.url, licenseKey: f.key, ...(options.multisite ? { multisite: options.multisite } : {}) })).id, fake: f });
    }
    return out;
  }

  beforeEach(() => fake.resetStats());

  it('two overlapping jobs on the same sites never call one site twice at once', async () => {
    const list = await sites(6, { delayMs: 150 });
    const ids = list.map((s) => s.id);
    fake.resetStats();
    const [a, b] = await Promise.all([h.admin.post('/remote/update', { site_ids: ids }), h.admin.post('/remote/update', { site_ids: [...ids].reverse() })]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const jobs = await Promise.all([waitForJob(h.admin, a.body.job.id), waitForJob(h.admin, b.body.job.id)]);
    for (const job of jobs) expect(job).toMatchObject({ status: 'completed', succeeded: 6, failed: 0 });
    for (const s of list) expect(s.fake.calls()).toHaveLength(2);
    expect(fake.maxInFlightPerSite()).toBe(1);
    // Still in parallel across sites and hosts: two per host, three hosts.
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(3);
    expect(Math.max(...Object.values(fake.maxInFlightPerHost()))).toBe(2);
    expect(h.server.app.panel.gate.held()).toEqual({ sites: 0, hosts: 0 });
  });

  it('a plugin action and a multisite call wait for a job on the same site', async () => {
    const [s] = await sites(1, { delayMs: 300, multisite: { user: 'net-admin', password: 'net-password-1' } });
    fake.resetStats();
    const job = await h.admin.post('/remote/update', { site_ids: [s!.id] });
    expect(job.status).toBe(202);
    await until(() => s!.fake.inFlight === 1);
    const [action, list] = await Promise.all([
      h.admin.post('/remote/plugin-action', { site_id: s!.id, action: 'deactivate', plugin: 'akismet/akismet.php' }),
      h.admin.get(`/sites/${s!.id}/subsites`),
    ]);
    expect(action.status).toBe(200);
    expect(list.status).toBe(200);
    expect((await waitForJob(h.admin, job.body.job.id)).succeeded).toBe(1);
    expect(s!.fake.calls()).toHaveLength(3);
    expect(s!.fake.maxInFlight).toBe(1);
    expect(h.server.app.panel.gate.held()).toEqual({ sites: 0, hosts: 0 });
  });

  it('calls one host at most twice at once, whatever REMOTE_CONCURRENCY allows', async () => {
    const list = await sites(6, { delayMs: 150, host: 1 });
    fake.resetStats();
    const res = await h.admin.post('/remote/update', { site_ids: list.map((s) => s.id) });
    expect((await waitForJob(h.admin, res.body.job.id)).succeeded).toBe(6);
    expect(fake.maxInFlightPerHost()).toEqual({ '127.0.0.1': 0, '127.0.0.2': 2, '127.0.0.3': 0 });
    // Plugin actions on sites of one host too.
    fake.resetStats();
    const actions = await Promise.all(list.map((s) => h.admin.post('/remote/plugin-action', { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' })));
    expect(actions.map((r) => r.status)).toEqual(list.map(() => 200));
    expect(fake.maxInFlightPerHost()['127.0.0.2']).toBe(2);
  });
});
