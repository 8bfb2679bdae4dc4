import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { DEFAULT_UPDATE, FakeSites, type FakeSite, type FakeSiteOptions, type UpdateAnswer } from '../helpers/fakeSites.js';
import { PanelClient } from '../helpers/panel.js';
import { createSite, createUser, usePanel } from '../panel/harness.js';
import { auditEntries, waitForJob } from './support.js';

let fake: FakeSites;
beforeAll(async () => {
  // Four hosts, sites spread over them in turn: the per-host limit (2) leaves REMOTE_CONCURRENCY the bound.
  fake = await FakeSites.start(['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
});
afterAll(() => fake.close());

const CONCURRENCY = 4;

interface Plan {
  fake: FakeSiteOptions;
  /** Which key the panel holds for the site. */
  panelKey: 'same' | 'wrong' | 'none';
  status: 'succeeded' | 'failed';
  httpStatus: number | null;
  code: string | null;
  audit: 'success' | 'failure' | 'partial';
  calls: number;
}

const partialUpdate: UpdateAnswer = {
  success: true,
  results: {
    plugins: [
      { slug: 'akismet/akismet.php', new_version: '5.3', success: true },
      { slug: 'broken/broken.php', new_version: '2.0', success: false, error: 'Download failed.' },
    ],
    themes: [],
    core: null,
  },
  errors: ['broken/broken.php: Download failed.'],
};

const failedUpdate: UpdateAnswer = {
  success: false,
  results: { plugins: [], themes: [], core: null },
  errors: ['Could not create directory.'],
};

/** 50 sites: four slow ones first (so the limit is reached), then every kind of failure, then ordinary sites. */
function plans(): Plan[] {
  const ok = (fakeOptions: FakeSiteOptions = {}): Plan => ({
    fake: fakeOptions,
    panelKey: 'same',
    status: 'succeeded',
    httpStatus: 200,
    code: null,
    audit: 'success',
    calls: 1,
  });
  const bad = (fakeOptions: FakeSiteOptions, httpStatus: number | null, code: string, extra: Partial<Plan> = {}): Plan => ({
    fake: fakeOptions,
    panelKey: 'same',
    status: 'failed',
    httpStatus,
    code,
    audit: 'failure',
    calls: 1,
    ...extra,
  });
  const list: Plan[] = [
    ok({ delayMs: 300 }),
    ok({ delayMs: 300 }),
    ok({ delayMs: 300 }),
    ok({ delayMs: 300 }),
    bad({ behaviour: 'hang' }, null, 'site_timeout'),
    bad({ behaviour: 'fail' }, 500, 'site_error'),
    bad({ behaviour: 'malformed' }, 200, 'invalid_site_response'),
    bad({}, 401, 'site_unauthorized', { panelKey: 'wrong' }),
    bad({ remoteEnabled: false }, 403, 'site_forbidden'),
    bad({}, null, 'no_license_key', { panelKey: 'none', calls: 0 }),
    bad({ behaviour: 'huge' }, null, 'response_too_large'),
    bad({ behaviour: 'redirect' }, null, 'redirect_refused'),
    bad({ behaviour: 'reset' }, null, 'site_unreachable'),
    bad({ update: failedUpdate }, 200, 'site_update_failed'),
    { ...ok({ update: partialUpdate }), audit: 'partial' },
    bad(
      { respondWith: { status: 404, body: { code: 'rest_no_route', message: 'No route was found.', data: { status: 404 } } } },
      404,
      'site_api_missing',
    ),
    ok({ update: { success: true, results: { plugins: [], themes: [], core: null }, errors: [] } }),
  ];
  while (list.length < 50) list.push(ok(list.length % 3 === 0 ? { delayMs: 20 } : {}));
  return list;
}

const normalised = (answer: UpdateAnswer) => ({
  plugins: answer.results.plugins.map((p) => ({ error: null, ...p })),
  themes: answer.results.themes.map((t) => ({ error: null, ...t })),
  core: answer.results.core ? { error: null, ...answer.results.core } : null,
});

describe.each(dbTargets)('POST /remote/update (%s)', (target) => {
  const h = usePanel(target, {
    env: { ALLOW_PRIVATE_SITES: 'true', REMOTE_CONCURRENCY: String(CONCURRENCY), REMOTE_TIMEOUT_MS: '1500' },
  });

  let user: PanelClient;
  let other: PanelClient;
  let userSite: number;
  let adminOnlySite: number;
  let userSiteFake: FakeSite;

  beforeAll(async () => {
    const aliceId = await createUser(h.admin, 'alice', 'alice-password-1');
    await createUser(h.admin, 'bob', 'bob-password-12');
    userSiteFake = fake.add({ key: 'alice-site-key' });
    userSite = (await createSite(h.admin, { name: 'Alice', url: userSiteFake.url, licenseKey: 'alice-site-key' })).id;
    adminOnlySite = (await createSite(h.admin, { name: 'Admin only', url: fake.add().url, licenseKey: 'x-key-123' })).id;
    expect((await h.admin.request('PUT', `/users/${aliceId}/sites`, { site_ids: [userSite] })).status).toBe(200);
    user = await PanelClient.login(h.server.url, 'alice', 'alice-password-1');
    other = await PanelClient.login(h.server.url, 'bob', 'bob-password-12');
  });

  beforeEach(() => fake.resetStats());

  it('runs 50 sites as a job: exact per-site outcomes, audit rows, concurrency never above the setting', async () => {
    const list = plans();
    const sites: { id: number; fake: FakeSite; plan: Plan }[] = [];
    for (const [i, plan] of list.entries()) {
      const f = fake.add(plan.fake);
      const licenseKey = plan.panelKey === 'same' ? f.key : plan.panelKey === 'wrong' ? 'wrong-key-0000' : undefined;
      const site = await createSite(h.admin, { name: `Site ${i}`, url: f.url, ...(licenseKey ? { licenseKey } : {}) });
      sites.push({ id: site.id, fake: f, plan });
    }
    fake.resetStats();

    const res = await h.admin.post('/remote/update', { site_ids: sites.map((s) => s.id) });
    expect(res.status).toBe(202);
    const jobId = res.body.job.id;
    expect(res.headers.get('location')).toBe(`/remote/jobs/${jobId}`);
    expect(res.body.job).toMatchObject({ id: jobId, total: 50 });
    expect(['queued', 'processing']).toContain(res.body.job.status);
    // The request itself is on record by the time the 202 arrives (the slow sites are still running).
    const [request] = (await auditEntries(h.admin, 'entity_type=remote_job')).filter((e) => e.entityId === String(jobId));
    expect(request).toMatchObject({
      action: 'update',
      entityType: 'remote_job',
      userId: res.body.job.user_id,
      siteId: null,
      outcome: 'success',
      context: { job_id: jobId, site_ids: sites.map((s) => s.id), total: 50 },
    });

    const job = await waitForJob(h.admin, jobId);
    const succeeded = list.filter((p) => p.status === 'succeeded').length;
    expect(succeeded).toBe(39);
    expect(job).toMatchObject({
      id: jobId,
      status: 'completed',
      progress: 100,
      total: 50,
      processed: 50,
      succeeded,
      failed: 50 - succeeded,
      error: null,
    });
    expect(job.results.map((r: { site_id: number }) => r.site_id)).toEqual(sites.map((s) => s.id));
    for (const [i, { id, fake: f, plan }] of sites.entries()) {
      const r = job.results[i];
      expect({ i, site_id: r.site_id, status: r.status, http_status: r.http_status, code: r.error?.code ?? null }).toEqual({
        i,
        site_id: id,
        status: plan.status,
        http_status: plan.httpStatus,
        code: plan.code,
      });
      if (plan.status === 'succeeded') {
        expect(r.results).toEqual(normalised(plan.fake.update ?? DEFAULT_UPDATE));
        expect(r.errors).toEqual((plan.fake.update ?? DEFAULT_UPDATE).errors);
        expect(r.error).toBeNull();
      } else {
        expect(r.error.message).toEqual(expect.any(String));
      }
      expect(f.calls()).toHaveLength(plan.calls);
      for (const call of f.calls()) {
        expect(call.method).toBe('POST');
        expect(call.path).toBe('/wp-json/rakuwp/v1/remote/update');
        expect(call.headers['x-rakuwp-key']).toBe(plan.panelKey === 'wrong' ? 'wrong-key-0000' : f.key);
      }
    }
    expect(job.errors).toEqual(
      sites
        .filter((s) => s.plan.status === 'failed')
        .map((s) => ({ site_id: s.id, code: s.plan.code, message: expect.any(String) })),
    );
    // The redirect target was never requested.
    expect(fake.calls.filter((c) => c.path === '/wp-json/elsewhere')).toHaveLength(0);
    expect(fake.maxInFlight).toBe(CONCURRENCY);
    expect(fake.maxInFlightPerSite()).toBe(1);
    expect(Math.max(...Object.values(fake.maxInFlightPerHost()))).toBeLessThanOrEqual(2);

    const audit = await auditEntries(h.admin, 'entity_type=remote_update');
    const forJob = audit.filter((e) => e.context.job_id === jobId);
    expect(forJob).toHaveLength(50);
    for (const { id, plan } of sites) {
      const entry = forJob.find((e) => e.siteId === id);
      expect(entry).toMatchObject({ action: 'update', entityType: 'remote_update', outcome: plan.audit });
      expect(entry.userId).toBe(res.body.job.user_id);
      expect(entry.context.error?.code ?? null).toBe(plan.code);
    }
    const first = forJob.find((e) => e.siteId === sites[0]!.id);
    expect(first.context).toEqual({
      job_id: jobId,
      http_status: 200,
      plugins: { updated: 1, failed: 0 },
      themes: { updated: 1, failed: 0 },
      core: { updated: 1, failed: 0 },
      site_errors: 0,
      error: null,
    });
    const partial = forJob.find((e) => e.siteId === sites[14]!.id);
    expect(partial.context).toMatchObject({ plugins: { updated: 1, failed: 1 }, themes: { updated: 0, failed: 0 }, core: { updated: 0, failed: 0 }, site_errors: 1 });

    // License keys never reach the logs.
    const logs = JSON.stringify(h.server.logs);
    for (const { fake: f } of sites) expect(logs).not.toContain(f.key);
  });

  it('validates the request (400) before anything is sent', async () => {
    for (const body of [{}, { site_ids: [] }, { site_ids: [0] }, { site_ids: [-1] }, { site_ids: ['1'] }, { site_ids: [1.5] }, { site_ids: 'all' }, { site_ids: Array.from({ length: 1001 }, (_, i) => i + 1) }]) {
      const res = await h.admin.post('/remote/update', body);
      expect(res.status, JSON.stringify(body).slice(0, 50)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    const malformed = await h.admin.request('POST', '/remote/update', undefined, { headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(fake.calls).toHaveLength(0);
  });

  it('answers 404 for an unknown site and 403 for a site the user may not use, before anything is sent', async () => {
    const missing = await h.admin.post('/remote/update', { site_ids: [userSite, 987654] });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found', site_ids: [987654] });

    const denied = await user.post('/remote/update', { site_ids: [userSite, adminOnlySite] });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'forbidden', site_ids: [adminOnlySite] });
    expect(fake.calls).toHaveLength(0);

    // Both refusals are on record as failures, with who asked for what and why it was refused.
    const [deniedRow, missingRow] = await auditEntries(h.admin, 'entity_type=remote_job&outcome=failure');
    const aliceId = (await user.get('/auth/session')).body.user.id;
    const adminId = (await h.admin.get('/auth/session')).body.user.id;
    expect(deniedRow).toMatchObject({
      action: 'update',
      userId: aliceId,
      siteId: null,
      entityId: null,
      outcome: 'failure',
      context: { site_ids: [userSite, adminOnlySite], error: { code: 'forbidden', site_ids: [adminOnlySite] } },
    });
    expect(missingRow).toMatchObject({
      action: 'update',
      userId: adminId,
      outcome: 'failure',
      context: { site_ids: [userSite, 987654], error: { code: 'not_found', site_ids: [987654] } },
    });
    // Refused requests create no job.
    expect((await h.admin.get('/remote/jobs?limit=100')).body.jobs.every((j: { total: number }) => j.total !== 2)).toBe(true);
  });

  it('lets users run jobs on their sites; only the owner and admins can read a job', async () => {
    const res = await user.post('/remote/update', { site_ids: [userSite, userSite] });
    expect(res.status).toBe(202);
    const job = await waitForJob(user, res.body.job.id);
    expect(job).toMatchObject({ status: 'completed', total: 1, succeeded: 1, failed: 0 });
    expect(userSiteFake.calls()).toHaveLength(1);

    expect((await other.get(`/remote/jobs/${job.id}`)).status).toBe(404);
    expect((await h.admin.get(`/remote/jobs/${job.id}`)).body.job.id).toBe(job.id);
    expect((await user.get('/remote/jobs/999999')).status).toBe(404);
    expect((await user.get('/remote/jobs/abc')).status).toBe(404);

    const mine = await user.get('/remote/jobs');
    expect(mine.status).toBe(200);
    expect(mine.body.jobs.map((j: { id: number }) => j.id)).toEqual([job.id]);
    expect(mine.body.jobs[0]).toMatchObject({ status: 'completed', total: 1, processed: 1, succeeded: 1, failed: 0, progress: 100 });
    expect((await other.get('/remote/jobs')).body.jobs).toEqual([]);
    const all = await h.admin.get('/remote/jobs?limit=100');
    expect(all.body.jobs.map((j: { id: number }) => j.id)).toContain(job.id);
    expect((await h.admin.get('/remote/jobs?limit=0')).status).toBe(400);
  });
});
