import fs from 'node:fs';
import path from 'node:path';
import type { BenchContext, Suite } from '../context.js';
import { makeFigure, type Figure } from '../figures.js';
import { cpuNote, failureNotes, load, type LoadResult } from '../load/autocannon.js';
import { startHelper } from '../proc/child.js';
import { sharedRepoProjects, UpdateServer } from '../proc/server.js';
import { INFO_FILE } from '../repos/generate.js';
import { alternate } from '../rounds.js';
import { median } from '../stats.js';

/**
 * basic_check (update available / up to date) and plugin_information at 64 connections with
 * 100 projects configured, against a minimal Koa app answering the same bytes. Also the cost
 * of request logging: the same basic_check with LOG_LEVEL=info (log to a file) vs warn.
 */
export const API_KEY = 'bench-api-key-0123456789';
export const USER_AGENT = 'WordPress/6.6.2; https://site.example';

interface ApiCase {
  id: string;
  label: string;
  query: (slug: string, versions: string[]) => string;
  /** The answer must contain this, or the measure would time the wrong thing. */
  expect: string;
}

const CASES: ApiCase[] = [
  {
    id: 'api.basic_check.update',
    label: 'basic_check, update available',
    query: (slug, v) => `action=basic_check&slug=${slug}&version=${v[0]}&apikey=${API_KEY}`,
    expect: 'new_version',
  },
  {
    id: 'api.basic_check.current',
    label: 'basic_check, up to date',
    query: (slug, v) => `action=basic_check&slug=${slug}&version=${v[v.length - 1]}&apikey=${API_KEY}`,
    expect: 'version up to date',
  },
  {
    id: 'api.plugin_information',
    label: 'plugin_information',
    query: (slug) => `action=plugin_information&slug=${slug}&apikey=${API_KEY}`,
    expect: 'sections',
  },
];

export const LOG_FIGURE = 'api.basic_check.update.log_info_rps';
export const HALF_LOAD_FIGURE = 'api.basic_check.update.p99_half_load';

/** Settings of every API project: one shared repository, access by API key (the usual paid-plugin setup). */
export function apiProjectSettings(gitDir: string): object {
  return { repository: gitDir, info: INFO_FILE, allowed: [{ apikey: API_KEY }] };
}

export const apiSuite: Suite = {
  name: 'api',
  figureIds: [...CASES.flatMap((c) => [`${c.id}.rps`, `${c.id}.p99`, `${c.id}.p50`]), HALF_LOAD_FIGURE, LOG_FIGURE],
  async run(ctx) {
    const { sizes } = ctx;
    const repo = await ctx.repos.smallPlugin();
    const projects = sharedRepoProjects('bench-', sizes.apiProjects, apiProjectSettings(repo.gitDir));
    const slugs = Object.keys(projects);
    const slug = slugs[0]!;
    const home = ctx.dir('api');
    const children: { stop(): Promise<void> }[] = [];
    try {
      // Both servers (warn: the measured one; info: for the logging cost) start together, then go idle.
      ctx.progress(`api: starting the servers with ${slugs.length} projects`);
      const logFile = path.join(home, 'info-server.log');
      const [server, info] = await Promise.all([
        UpdateServer.start({ home: path.join(home, 'warn'), projects, cpuProfDir: ctx.cpuProfDir }),
        UpdateServer.start({ home: path.join(home, 'info'), projects, logLevel: 'info', stdout: logFile }),
      ]);
      children.push(server, info);
      for (const s of [server, info]) await s.waitForProjects(slugs, { apikey: API_KEY });
      // Every project's zip is prebuilt at start: not part of the measure.
      for (const s of [server, info]) await s.settle(sizes.settleWindowMs);

      const bodies = await Promise.all(
        CASES.map(async (c) => {
          const body = await capture(`${server.url}/api?${c.query(slug, repo.versions)}`, c.expect);
          const file = path.join(home, `${c.id}.body`);
          fs.writeFileSync(file, body);
          return { bytes: body.length, baseline: await startHelper('bench/children/koaBaseline.ts', { BODY_FILE: file }, '/api') };
        }),
      );
      children.push(...bodies.map((b) => b.baseline.child));

      const figures: Figure[] = [];
      for (const [i, c] of CASES.entries()) {
        const { bytes, baseline } = bodies[i]!;
        const url = `${server.url}/api?${c.query(slug, repo.versions)}`;
        const baselineUrl = `${baseline.url}/api?${c.query(slug, repo.versions)}`;
        ctx.progress(`api: ${c.label} (${bytes} bytes), ${sizes.rounds} rounds of ${sizes.loadSeconds}s`);
        const measured = await alternate<LoadResult>({
          rounds: sizes.rounds,
          warmup: { server: () => hit(ctx, url, sizes.warmupSeconds), baseline: () => hit(ctx, baselineUrl, sizes.warmupSeconds) },
          server: () => hit(ctx, url, sizes.loadSeconds, { pid: server.pid }),
          baseline: () => hit(ctx, baselineUrl, sizes.loadSeconds, { pid: baseline.child.pid }),
        });
        const baselineLabel = `Koa, one route, same ${bytes}-byte body`;
        figures.push(...loadFigures(c.id, c.label, measured, baselineLabel));
        if (i === 0) figures.push(await halfLoadP99(ctx, url, baselineUrl, measured, baselineLabel));
        await baseline.child.stop();
      }

      figures.push(await logCost(ctx, server, info, logFile, `/api?${CASES[0]!.query(slug, repo.versions)}`));
      return figures;
    } finally {
      await Promise.all(children.map((c) => c.stop()));
    }
  },
};

/** rps (>= 80% of the baseline), p99 (< 10 ms) and p50 (informative) of one measured case. */
export function loadFigures(id: string, label: string, m: { server: LoadResult[]; baseline: LoadResult[] }, baselineLabel: string): Figure[] {
  const notes = [...failureNotes('server', m.server), ...failureNotes('baseline', m.baseline)];
  const pick = (k: keyof LoadResult) => ({ rounds: m.server.map((r) => r[k]), baselineRounds: m.baseline.map((r) => r[k]) });
  return [
    makeFigure({ id: `${id}.rps`, label: `${label}: requests/s`, unit: 'req/s', ...pick('rps'), baselineLabel, target: { kind: 'ratioAtLeast', limit: 0.8 }, notes: [...notes, ...cpuNote(m.server, m.baseline)] }),
    makeFigure({ id: `${id}.p99`, label: `${label}: p99 latency`, unit: 'ms', ...pick('p99'), baselineLabel, target: { kind: 'valueBelow', limit: 10 }, notes }),
    makeFigure({ id: `${id}.p50`, label: `${label}: p50 latency`, unit: 'ms', ...pick('p50'), baselineLabel, notes }),
  ];
}

function hit(ctx: BenchContext, url: string, seconds: number, options: { rate?: number; pid?: number } = {}): Promise<LoadResult> {
  return load({ url, connections: ctx.sizes.apiConnections, seconds, ...options, headers: { 'user-agent': USER_AGENT } });
}

/**
 * p99 at 64 connections but at a fixed rate both sides can sustain: half the lower of the two
 * measured maxima. At saturation latency is connections ÷ throughput (Little's law) whatever the
 * code does, so this is the figure that shows what the server adds to a request's latency.
 */
async function halfLoadP99(
  ctx: BenchContext,
  url: string,
  baselineUrl: string,
  saturated: { server: LoadResult[]; baseline: LoadResult[] },
  baselineLabel: string,
): Promise<Figure> {
  const { sizes } = ctx;
  const max = Math.min(median(saturated.server.map((r) => r.rps)), median(saturated.baseline.map((r) => r.rps)));
  const rate = Math.max(100, Math.round(max / 2));
  ctx.progress(`api: basic_check p99 at a fixed ${rate} req/s, ${sizes.rounds} rounds`);
  const m = await alternate<LoadResult>({
    rounds: sizes.rounds,
    server: () => hit(ctx, url, sizes.loadSeconds, { rate }),
    baseline: () => hit(ctx, baselineUrl, sizes.loadSeconds, { rate }),
  });
  return makeFigure({
    id: HALF_LOAD_FIGURE,
    label: `basic_check, update available: p99 at a fixed ${rate} req/s (half the lower maximum)`,
    unit: 'ms',
    rounds: m.server.map((r) => r.p99),
    baselineRounds: m.baseline.map((r) => r.p99),
    baselineLabel,
    target: { kind: 'valueBelow', limit: 10 },
    notes: [
      ...failureNotes('server', m.server),
      ...failureNotes('baseline', m.baseline),
      `achieved req/s: server ${m.server.map((r) => r.rps.toFixed(0)).join('/')}, baseline ${m.baseline.map((r) => r.rps.toFixed(0)).join('/')}`,
    ],
  });
}

/** The server's answer, checked before it is measured or copied into the baseline. */
async function capture(url: string, expect: string): Promise<Buffer> {
  const res = await fetch(url, { headers: { 'user-agent': USER_AGENT } });
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.toString('utf8').includes(expect)) {
    throw new Error(`${url} answered ${res.status} without "${expect}": ${body.toString('utf8').slice(0, 300)}`);
  }
  return body;
}

/** basic_check with LOG_LEVEL=info (one JSON line per request, to a file) against the warn server. */
async function logCost(ctx: BenchContext, warn: UpdateServer, info: UpdateServer, logFile: string, path: string): Promise<Figure> {
  const { sizes } = ctx;
  ctx.progress(`api: basic_check with LOG_LEVEL=info vs warn, ${sizes.rounds} rounds`);
  const infoUrl = `${info.url}${path}`;
  const warnUrl = `${warn.url}${path}`;
  const logBefore = fs.statSync(logFile).size;
  const m = await alternate<LoadResult>({
    rounds: sizes.rounds,
    warmup: { server: () => hit(ctx, infoUrl, sizes.warmupSeconds), baseline: () => hit(ctx, warnUrl, sizes.warmupSeconds) },
    server: () => hit(ctx, infoUrl, sizes.loadSeconds, { pid: info.pid }),
    baseline: () => hit(ctx, warnUrl, sizes.loadSeconds, { pid: warn.pid }),
  });
  const logMiB = (fs.statSync(logFile).size - logBefore) / 1024 / 1024;
  return makeFigure({
    id: LOG_FIGURE,
    label: 'basic_check requests/s with LOG_LEVEL=info (log to a file)',
    unit: 'req/s',
    rounds: m.server.map((r) => r.rps),
    baselineRounds: m.baseline.map((r) => r.rps),
    baselineLabel: 'same server with LOG_LEVEL=warn',
    notes: [
      ...failureNotes('info', m.server),
      ...failureNotes('warn', m.baseline),
      ...cpuNote(m.server, m.baseline),
      `info log: ${logMiB.toFixed(1)} MiB written during the measure, ${requestLineBytes(logFile)} bytes per request line`,
    ],
  });
}

/** Average length of the request log lines at the end of the log file. */
function requestLineBytes(logFile: string): number {
  const size = fs.statSync(logFile).size;
  const fd = fs.openSync(logFile, 'r');
  try {
    const tail = Buffer.alloc(Math.min(size, 64 * 1024));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const lines = tail.toString('utf8').split('\n').slice(1).filter((l) => l.includes('"msg":"request"'));
    return lines.length ? Math.round(lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) / lines.length) : 0;
  } finally {
    fs.closeSync(fd);
  }
}
