import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { FakeSites } from '../helpers/fakeSites.js';
import { PanelClient } from '../helpers/panel.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, ADMIN_USER, createSite } from '../panel/harness.js';
import { auditEntries, waitForJob } from './support.js';

let fake: FakeSites;
beforeAll(async () => {
  fake = await FakeSites.start();
});
afterAll(() => fake.close());

/**
 * Jobs outlive requests: they must survive a graceful shutdown, be reported by any instance
 * sharing the database, and be marked failed when their server died mid-way.
 */
describe.each(dbTargets)('remote job lifecycle (%s)', (target) => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  const servers: TestServer[] = [];
  let dataDir: string;

  const start = async (extraEnv: Record<string, string> = {}) => {
    const server = await startServer({ env: { ...env, ...extraEnv }, overrides: dataDir ? { dataDir } : {} });
    dataDir = server.config.dataDir;
    servers.push(server);
    return { server, admin: await PanelClient.login(server.url, ADMIN_USER, ADMIN_PASSWORD) };
  };

  beforeAll(async () => {
    const database = await target.create();
    drop = database.drop;
    env = { ADMIN_USER, ADMIN_PASSWORD, ALLOW_PRIVATE_SITES: 'true', ...database.env };
  });
  afterAll(async () => {
    for (const s of servers) await s.close().catch(() => {});
    await drop();
  });

  it('close() lets a running job finish before the server stops', async () => {
    const { server, admin } = await start();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const f = fake.add({ delayMs: 400 });
      ids.push((await createSite(admin, { name: `slow ${i}`, url: f.url, licenseKey: f.key })).id);
    }
    const res = await admin.post('/remote/update', { site_ids: ids });
    expect(res.status).toBe(202);
    // The request is audited before the 202: the row exists while the sites are still being called.
    const requested = await auditEntries(admin, `entity_type=remote_job`);
    expect(requested.find((e) => e.entityId === String(res.body.job.id))).toMatchObject({
      action: 'update',
      outcome: 'success',
      siteId: null,
      context: { job_id: res.body.job.id, site_ids: ids, total: 3 },
    });
    await server.close();

    // A new start would mark an unfinished job failed; this one had finished.
    const again = await start();
    const job = (await again.admin.get(`/remote/jobs/${res.body.job.id}`)).body.job;
    expect(job).toMatchObject({ status: 'completed', processed: 3, succeeded: 3, failed: 0 });
    await again.server.close();
  });

  it('marks a job left unfinished by a dead server as failed at start, with audit rows for sites whose outcome is unknown', async () => {
    const { server, admin } = await start();
    const me = (await admin.get('/auth/session')).body.user;
    const siteIds: number[] = [];
    for (let i = 0; i < 3; i++) siteIds.push((await createSite(admin, { name: `crash ${i}`, url: fake.add().url, licenseKey: `key-${i}-abcd` })).id);

    // What a crashed instance leaves behind: one site done, one being called, one waiting.
    const k = server.app.db.kysely;
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const { id } = await k
      .insertInto('remote_jobs')
      .values({ user_id: me.id, status: 'processing', total: 3, instance_id: 'dead', created_at: old, started_at: old, finished_at: null, heartbeat_at: old, error_code: null, error_message: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await k
      .insertInto('remote_job_sites')
      .values([
        { job_id: id, site_id: siteIds[0]!, position: 0, status: 'succeeded', http_status: 200, results: JSON.stringify({ plugins: [], themes: [], core: null }), errors: '[]', error_code: null, error_message: null, started_at: old, finished_at: old },
        { job_id: id, site_id: siteIds[1]!, position: 1, status: 'running', http_status: null, results: null, errors: null, error_code: null, error_message: null, started_at: old, finished_at: null },
        { job_id: id, site_id: siteIds[2]!, position: 2, status: 'pending', http_status: null, results: null, errors: null, error_code: null, error_message: null, started_at: null, finished_at: null },
      ])
      .execute();
    await server.close();

    const again = await start();
    const job = (await again.admin.get(`/remote/jobs/${id}`)).body.job;
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'job_interrupted', message: expect.stringContaining('stopped before it finished') },
      total: 3,
      processed: 3,
      succeeded: 1,
      failed: 2,
      progress: 100,
    });
    expect(job.results.map((r: { status: string; error: { code: string } | null }) => [r.status, r.error?.code ?? null])).toEqual([
      ['succeeded', null],
      ['failed', 'job_interrupted'],
      ['failed', 'job_interrupted'],
    ]);
    const interrupted = await auditEntries(again.admin, `entity_type=remote_update&site_id=${siteIds[1]}`);
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]).toMatchObject({ action: 'update', outcome: 'failure', userId: me.id, context: { job_id: id, error: { code: 'job_interrupted' } } });
    // The pending site was never called: no per-site row (the job's request row, written when
    // the job was created through the API, is what lists it; this job was written directly).
    expect(await auditEntries(again.admin, `entity_type=remote_update&site_id=${siteIds[2]}`)).toHaveLength(0);
    await again.server.close();
  });

  it('stops a job that another instance marked failed: no outcome is overwritten, no further site is called', async () => {
    const { server, admin } = await start({ REMOTE_CONCURRENCY: '1' });
    const fakes = [0, 1, 2].map(() => fake.add({ delayMs: 400 }));
    const ids: number[] = [];
    for (const [i, f] of fakes.entries()) ids.push((await createSite(admin, { name: `taken over ${i}`, url: f.url, licenseKey: f.key })).id);
    const res = await admin.post('/remote/update', { site_ids: ids });
    expect(res.status).toBe(202);
    const jobId = res.body.job.id as number;

    // While the first site is being called, another instance gives the job up (what claimStale
    // and failUnfinishedSites write when they find its heartbeat stale).
    const deadline = Date.now() + 5000;
    while (fakes[0]!.calls().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(fakes[0]!.calls()).toHaveLength(1);
    const k = server.app.db.kysely;
    const at = new Date().toISOString();
    const interrupted = { error_code: 'job_interrupted', error_message: 'Marked failed by another instance.' };
    await k.updateTable('remote_jobs').set({ status: 'failed', finished_at: at, ...interrupted }).where('id', '=', jobId).execute();
    await k
      .updateTable('remote_job_sites')
      .set({ status: 'failed', finished_at: at, ...interrupted })
      .where('job_id', '=', jobId)
      .where('status', 'in', ['pending', 'running'])
      .execute();
    await server.close(); // waits for the run to end

    expect(fakes[1]!.calls()).toHaveLength(0);
    expect(fakes[2]!.calls()).toHaveLength(0);
    const again = await start();
    const job = (await again.admin.get(`/remote/jobs/${jobId}`)).body.job;
    expect(job).toMatchObject({ status: 'failed', error: { code: 'job_interrupted' }, processed: 3, succeeded: 0, failed: 3 });
    expect(job.results.map((r: { status: string; error: { code: string } | null }) => [r.status, r.error?.code])).toEqual([
      ['failed', 'job_interrupted'],
      ['failed', 'job_interrupted'],
      ['failed', 'job_interrupted'],
    ]);
    // The call that did happen keeps its audit row: that is what the site really did.
    const [called] = await auditEntries(again.admin, `entity_type=remote_update&site_id=${ids[0]}`);
    expect(called).toMatchObject({ outcome: 'success', context: { job_id: jobId, http_status: 200 } });
    expect(await auditEntries(again.admin, `entity_type=remote_update&site_id=${ids[1]}`)).toHaveLength(0);
    await again.server.close();
  });

  it.runIf(target.name === 'postgres')('another instance on the same database reports a running job and leaves it alone', async () => {
    const a = await start();
    const ids: number[] = [];
    for (let i = 0; i < 2; i++) {
      const f = fake.add({ delayMs: 1000 });
      ids.push((await createSite(a.admin, { name: `shared ${i}`, url: f.url, licenseKey: f.key })).id);
    }
    const res = await a.admin.post('/remote/update', { site_ids: ids });
    expect(res.status).toBe(202);

    const b = await start();
    const seen = (await b.admin.get(`/remote/jobs/${res.body.job.id}`)).body.job;
    expect(['queued', 'processing']).toContain(seen.status);
    const done = await waitForJob(b.admin, res.body.job.id);
    expect(done).toMatchObject({ status: 'completed', succeeded: 2, failed: 0 });
    await b.server.close();
    await a.server.close();
  });
});
