import type { BenchContext, Suite } from '../context.js';
import { makeFigure, type Figure } from '../figures.js';
import { cpuNote, failureNotes, load, type LoadResult } from '../load/autocannon.js';
import { readMemory } from '../proc/procfs.js';
import { sharedRepoProjects, UpdateServer } from '../proc/server.js';
import { INFO_FILE } from '../repos/generate.js';
import { alternate } from '../rounds.js';
import { sleep } from '../stats.js';
import { API_KEY, apiProjectSettings, USER_AGENT } from './api.js';

export const SCALE_FIGURES = {
  startup: 'scale.startup.ms',
  rss: 'scale.rss.mb',
  rps: 'scale.basic_check.rps',
  tags: 'scale.resolve_tags.ms',
} as const;

/**
 * Many projects (1,000 settings files sharing one repository) against few (10): start-up time
 * (spawn → every project answers basic_check) and RSS once idle, from one restart each, and
 * basic_check throughput over all slugs in alternating rounds. Then release resolution of a
 * repository with 5,000 tags against one with 10, as the server itself logs it ("releases resolved", ms).
 */
export const scaleSuite: Suite = {
  name: 'scale',
  figureIds: Object.values(SCALE_FIGURES),
  async run(ctx) {
    return [...(await manyProjects(ctx)), await manyTags(ctx)];
  },
};

async function manyProjects(ctx: BenchContext): Promise<Figure[]> {
  const { sizes } = ctx;
  const repo = await ctx.repos.smallPlugin();
  const settings = apiProjectSettings(repo.gitDir);
  const big = { home: ctx.dir(`scale-${sizes.scaleProjects}`), projects: sharedRepoProjects('many-', sizes.scaleProjects, settings) };
  // Slugs as long as the many ones ("few--0001"): answers of the same size on both sides.
  const small = { home: ctx.dir(`scale-${sizes.scaleSmallProjects}`), projects: sharedRepoProjects('few--', sizes.scaleSmallProjects, settings, String(sizes.scaleProjects).length) };

  // A first start builds every project's zip (both configurations at once); the measured rounds are
  // restarts with the zips cached, as in production.
  const firstStart: string[] = [];
  await Promise.all(
    (sizes.scaleWarmStart ? [big, small] : []).map(async (setup) => {
      const server = await UpdateServer.start(setup);
      try {
        const ms = await server.waitForProjects(Object.keys(setup.projects), { apikey: API_KEY });
        const settleMs = await server.settle(sizes.settleWindowMs);
        const n = Object.keys(setup.projects).length;
        firstStart.push(`first start with ${n} projects (cold zip cache, beside the other): ${ms.toFixed(0)} ms to resolve, then ${settleMs} ms of zip prebuilds`);
      } finally {
        await server.stop();
      }
    }),
  );
  ctx.progress(`scale: ${sizes.scaleProjects} vs ${sizes.scaleSmallProjects} projects: restart each, then ${sizes.rounds} load rounds`);

  // One restart per configuration (a 1,000-project start takes most of a minute); both servers
  // then stay up for the alternating load rounds.
  const started: { server: UpdateServer; startupMs: number; rssMB: number; requests: { path: string }[] }[] = [];
  try {
    for (const setup of [big, small]) {
      const server = await UpdateServer.start(setup);
      const slugs = Object.keys(setup.projects);
      started.push({ server, startupMs: Number.NaN, rssMB: Number.NaN, requests: [] });
      const entry = started[started.length - 1]!;
      entry.startupMs = await server.waitForProjects(slugs, { apikey: API_KEY });
      await server.settle(sizes.settleWindowMs);
      entry.rssMB = readMemory(server.pid).rssMB;
      // The same number of distinct paths on both sides (the few projects' slugs repeat, told
      // apart by a parameter the server ignores): autocannon's own cost per request grows with
      // the number of distinct paths, and it shares the machine with the server.
      entry.requests = Array.from({ length: sizes.scaleProjects }, (_, i) => ({
        path: `/api?action=basic_check&slug=${slugs[i % slugs.length]}&version=${repo.versions[0]}&apikey=${API_KEY}&n=${String(i).padStart(6, '0')}`,
      }));
    }
    const [many, few] = started as [(typeof started)[0], (typeof started)[0]];
    const hit = (target: typeof many, seconds: number) =>
      load({ url: target.server.url, requests: target.requests, connections: sizes.apiConnections, seconds, pid: target.server.pid, headers: { 'user-agent': USER_AGENT } });
    const m = await alternate<LoadResult>({
      rounds: sizes.rounds,
      warmup: { server: () => hit(many, sizes.warmupSeconds), baseline: () => hit(few, sizes.warmupSeconds) },
      server: () => hit(many, sizes.loadSeconds),
      baseline: () => hit(few, sizes.loadSeconds),
    });

    const baselineLabel = `same server with ${sizes.scaleSmallProjects} projects`;
    const n = sizes.scaleProjects;
    const once = 'one restart per configuration (zips cached), not a median';
    return [
      makeFigure({
        id: SCALE_FIGURES.startup,
        label: `start-up with ${n} projects (spawn → all resolved)`,
        unit: 'ms',
        rounds: [many.startupMs],
        baselineRounds: [few.startupMs],
        baselineLabel,
        notes: [once, ...firstStart],
      }),
      makeFigure({ id: SCALE_FIGURES.rss, label: `RSS with ${n} projects, idle after start`, unit: 'MiB', rounds: [many.rssMB], baselineRounds: [few.rssMB], baselineLabel, notes: [once] }),
      makeFigure({
        id: SCALE_FIGURES.rps,
        label: `basic_check requests/s with ${n} projects (all slugs in turn)`,
        unit: 'req/s',
        rounds: m.server.map((r) => r.rps),
        baselineRounds: m.baseline.map((r) => r.rps),
        baselineLabel,
        target: { kind: 'ratioAtLeast', limit: 0.9 },
        notes: [...failureNotes(`${n} projects`, m.server), ...failureNotes('few projects', m.baseline), ...cpuNote(m.server, m.baseline)],
      }),
    ];
  } finally {
    await Promise.all(started.map((s) => s.server.stop()));
  }
}

async function manyTags(ctx: BenchContext): Promise<Figure> {
  const { sizes } = ctx;
  const many = await ctx.repos.manyTags(sizes.tags);
  const few = await ctx.repos.manyTags(10);
  ctx.progress(`scale: release resolution, ${sizes.tags} tags vs 10, ${sizes.rounds} rounds (fresh processes)`);

  const resolveMs = async (gitDir: string, expectLatest: string): Promise<number> => {
    const slug = 'bench-tags';
    let resolved: { ms: number; latest: unknown } | undefined;
    const server = await UpdateServer.start({
      home: ctx.dir('scale-tags'),
      projects: { [slug]: { repository: gitDir, info: INFO_FILE } },
      logLevel: 'info',
      onLogLine: (line) => {
        if (!line.includes('releases resolved')) return;
        const entry = JSON.parse(line) as { slug?: string; ms?: number; latest?: Record<string, string | null> };
        if (entry.slug === slug && typeof entry.ms === 'number') resolved = { ms: entry.ms, latest: entry.latest?.main };
      },
    });
    try {
      await server.waitForProjects([slug]);
      // The log line may reach us just after the answer that said the project is ready.
      for (let i = 0; i < 100 && !resolved; i++) await sleep(20);
      if (!resolved) throw new Error(`the server did not log "releases resolved" with ms:\n${server.child.output()}`);
      if (resolved.latest !== expectLatest) throw new Error(`resolved latest ${String(resolved.latest)}, expected ${expectLatest}`);
      return resolved.ms;
    } finally {
      await server.stop();
    }
  };
  const m = await alternate<number>({
    rounds: sizes.rounds,
    server: () => resolveMs(many.gitDir, many.versions[many.versions.length - 1]!),
    baseline: () => resolveMs(few.gitDir, few.versions[few.versions.length - 1]!),
  });
  return makeFigure({
    id: SCALE_FIGURES.tags,
    label: `release resolution, repository with ${sizes.tags} tags (server log)`,
    unit: 'ms',
    rounds: m.server,
    baselineRounds: m.baseline,
    baselineLabel: 'same with 10 tags',
  });
}
