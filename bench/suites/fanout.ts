import http from 'node:http';
import pLimit from 'p-limit';
import type { Suite } from '../context.js';
import { siteKey, siteUrl } from '../children/fakeSites.js';
import { makeFigure } from '../figures.js';
import { field, PanelSession } from '../load/panel.js';
import { startHelper } from '../proc/child.js';
import { UpdateServer } from '../proc/server.js';
import { sleep } from '../stats.js';

export const FANOUT_FIGURE = 'fanout.remote_update.seconds';

const ADMIN = { user: 'bench-admin', password: 'bench-admin-password' };
const CONCURRENCY = 8;

interface JobRound {
  /** created_at → finished_at of the job, as the server recorded them. */
  seconds: number;
  /** POST → the poll that saw it finished (at most one poll interval late). */
  observedSeconds: number;
  /** Sites whose outcome was not a success. */
  failed: number;
}

/**
 * Panel fan-out: POST /remote/update over 500 simulated sites that each answer after 50 ms,
 * polled through GET /remote/jobs/:id until the job completes, against the ideal
 * sites × 50 ms / REMOTE_CONCURRENCY.
 */
export const fanoutSuite: Suite = {
  name: 'fanout',
  figureIds: [FANOUT_FIGURE],
  async run(ctx) {
    const { sizes } = ctx;
    const sites = await startHelper('bench/children/fakeSites.ts', { FAKE_SITES_CHILD: '1', DELAY_MS: String(sizes.siteDelayMs) }, '/healthz');
    let server: UpdateServer | undefined;
    try {
      server = await UpdateServer.start({
        home: ctx.dir('fanout'),
        projects: {},
        env: {
          ADMIN_USER: ADMIN.user,
          ADMIN_PASSWORD: ADMIN.password,
          ALLOW_PRIVATE_SITES: 'true',
          ALLOW_HTTP_SITES: 'true',
          REMOTE_CONCURRENCY: String(CONCURRENCY),
        },
        cpuProfDir: ctx.cpuProfDir,
      });
      const panel = await PanelSession.login(server.url, ADMIN.user, ADMIN.password);
      ctx.progress(`fanout: registering ${sizes.sites} sites`);
      const ids = await createSites(panel, sites.url, sizes.sites);
      const idealSeconds = (sizes.sites * sizes.siteDelayMs) / CONCURRENCY / 1000;

      ctx.progress(`fanout: ${sizes.sites} sites × ${sizes.siteDelayMs} ms at concurrency ${CONCURRENCY}, ${sizes.rounds} rounds (ideal ${idealSeconds.toFixed(2)} s)`);
      await runJob(panel, ids.slice(0, CONCURRENCY * 2)); // warm-up: first job, first outbound connections
      const before = await stats(sites.url);
      const rounds: JobRound[] = [];
      for (let i = 0; i < sizes.rounds; i++) rounds.push(await runJob(panel, ids));
      const after = await stats(sites.url);

      // The floor of this setup: the same calls from a bare client, with no panel behind it.
      const bare = await bareClient(Number(new URL(sites.url).port), sizes.sites);
      const calls = after.calls - before.calls;
      const failed = rounds.reduce((n, r) => n + r.failed, 0);
      const notes = [
        `max sites in flight at once: ${after.maxInFlight}`,
        `seen finished by the client after ${rounds.map((r) => r.observedSeconds.toFixed(2)).join('/')} s (100 ms polls)`,
        `a bare node:http client (p-limit ${CONCURRENCY}, a connection per call, no database) over the same sites: ${bare.toFixed(2)} s (${(bare / idealSeconds).toFixed(2)} × ideal)`,
      ];
      if (calls !== sizes.sites * sizes.rounds) notes.push(`sites received ${calls} calls, expected ${sizes.sites * sizes.rounds}`);
      if (failed > 0) notes.push(`${failed} site outcomes were not successes`);
      return [
        makeFigure({
          id: FANOUT_FIGURE,
          label: `/remote/update job over ${sizes.sites} sites × ${sizes.siteDelayMs} ms, concurrency ${CONCURRENCY} (created → finished)`,
          unit: 's',
          rounds: rounds.map((r) => r.seconds),
          baselineRounds: rounds.map(() => idealSeconds),
          baselineLabel: 'ideal: sites × delay / concurrency',
          target: { kind: 'ratioAtMost', limit: 1.2 },
          notes,
        }),
      ];
    } finally {
      await server?.stop();
      await sites.child.stop();
    }
  },
};

/** Seconds for `count` update calls at CONCURRENCY through plain http.request: what the fake sites and the machine allow. */
async function bareClient(port: number, count: number): Promise<number> {
  const limit = pLimit(CONCURRENCY);
  const call = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const url = `${siteUrl(port, n)}/wp-json/rakuwp/v1/remote/update`;
      const req = http.request(url, { method: 'POST', agent: false, headers: { 'x-rakuwp-key': siteKey(n), 'content-type': 'application/json', 'content-length': 2 } }, (res) => {
        res.resume();
        res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`bare client: site ${n} answered ${res.statusCode}`))));
      });
      req.setNoDelay(true);
      req.once('error', reject);
      req.end('{}');
    });
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: count }, (_, n) => limit(() => call(n))));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function createSites(panel: PanelSession, sitesUrl: string, count: number): Promise<number[]> {
  const ids: number[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const res = await panel.request('POST', '/sites', { name: `Bench site ${n}`, url: siteUrl(Number(new URL(sitesUrl).port), n), licenseKey: siteKey(n) });
      const id = field(res.body, 'site', 'id');
      if (res.status !== 201 || typeof id !== 'number') throw new Error(`POST /sites answered ${res.status}: ${JSON.stringify(res.body)}`);
      ids[n] = id;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return ids;
}

/**
 * Starts a job and polls it every 100 ms until it finished, reading the light job list
 * (GET /remote/jobs?limit=5, summaries only) so the polling barely loads the server. The full
 * job is read once at the end: its created_at / finished_at give the duration, and its counts
 * the sites that did not succeed.
 */
async function runJob(panel: PanelSession, siteIds: number[]): Promise<JobRound> {
  const started = process.hrtime.bigint();
  const res = await panel.request('POST', '/remote/update', { site_ids: siteIds });
  const jobId = field(res.body, 'job', 'id');
  if (res.status !== 202 || typeof jobId !== 'number') {
    throw new Error(`POST /remote/update answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  const deadline = Date.now() + 600_000;
  for (;;) {
    const list = await panel.request('GET', '/remote/jobs?limit=5');
    const jobs = field(list.body, 'jobs');
    if (list.status !== 200 || !Array.isArray(jobs)) throw new Error(`GET /remote/jobs answered ${list.status}: ${JSON.stringify(list.body).slice(0, 500)}`);
    const status = field(jobs.find((j) => field(j, 'id') === jobId), 'status');
    if (status === 'completed' || status === 'failed') {
      const observedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const full = await panel.request('GET', `/remote/jobs/${jobId}`);
      if (status !== 'completed') throw new Error(`job ${jobId} failed: ${JSON.stringify(field(full.body, 'job', 'error'))}`);
      const succeeded = field(full.body, 'job', 'succeeded');
      const created = Date.parse(String(field(full.body, 'job', 'created_at')));
      const finished = Date.parse(String(field(full.body, 'job', 'finished_at')));
      const seconds = Number.isFinite(finished - created) ? (finished - created) / 1000 : Number.NaN;
      return { seconds, observedSeconds, failed: siteIds.length - (typeof succeeded === 'number' ? succeeded : 0) };
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(status)} after 10 minutes`);
    await sleep(100);
  }
}

async function stats(url: string): Promise<{ calls: number; maxInFlight: number }> {
  const res = await fetch(`${url}/stats`);
  return (await res.json()) as { calls: number; maxInFlight: number };
}
