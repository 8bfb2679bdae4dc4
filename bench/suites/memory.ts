import fs from 'node:fs';
import path from 'node:path';
import type { Suite } from '../context.js';
import { makeFigure } from '../figures.js';
import { download, downloadAtOnce, downloadProblems } from '../load/download.js';
import { startHelper } from '../proc/child.js';
import { RssSampler } from '../proc/procfs.js';
import { UpdateServer } from '../proc/server.js';
import { INFO_FILE } from '../repos/generate.js';
import { alternate } from '../rounds.js';
import { MB, sleep } from '../stats.js';

export const MEMORY_FIGURE = 'memory.download_rss_growth_mb';

interface Round {
  growthMB: number;
  seconds: number;
  problems: string[];
}

/**
 * Peak RSS growth of the server process (VmRSS sampled every 10 ms, plus VmHWM) while 100 clients
 * download a 50 MB release at once, from a cached zip. Each round is a fresh process, warmed by
 * one download (the first round's builds the zip). Baseline: the bare node file server doing the same.
 */
export const memorySuite: Suite = {
  name: 'memory',
  figureIds: [MEMORY_FIGURE],
  async run(ctx) {
    const { sizes } = ctx;
    const repo = await ctx.repos.bigFile(sizes.memoryMB);
    const home = ctx.dir('memory');
    const slug = 'bench-memory';
    const projects = { [slug]: { repository: repo.gitDir, info: INFO_FILE } };
    const zipFile = path.join(home, 'release.zip');

    const measure = async (pid: number, url: string, expected: number): Promise<Round> => {
      await sleep(300); // let the warm-up's garbage settle
      const sampler = new RssSampler(pid);
      const { outcomes, ms } = await downloadAtOnce(url, sizes.memoryClients);
      const rss = sampler.stop();
      return { growthMB: rss.growthMB, seconds: ms / 1000, problems: downloadProblems(outcomes, expected) };
    };

    ctx.progress(`memory: ${sizes.memoryClients} clients × ${sizes.memoryMB} MB release, ${sizes.rounds} rounds (fresh processes)`);
    let expected = 0;
    const m = await alternate<Round>({
      rounds: sizes.rounds,
      // The first server round builds the zip that the baseline then serves.
      serverFirst: true,
      server: async () => {
        const server = await UpdateServer.start({ home, projects });
        try {
          await server.waitForProjects([slug]);
          const url = `${server.url}/api?action=download_latest&slug=${slug}`;
          const warm = await fetch(url);
          const bytes = Buffer.from(await warm.arrayBuffer());
          if (warm.status !== 200) throw new Error(`download_latest answered ${warm.status}: ${bytes.toString('utf8').slice(0, 300)}`);
          if (!fs.existsSync(zipFile)) fs.writeFileSync(zipFile, bytes);
          expected = bytes.length;
          await server.settle(ctx.sizes.settleWindowMs);
          return await measure(server.pid, url, expected);
        } finally {
          await server.stop();
        }
      },
      baseline: async () => {
        const baseline = await startHelper('bench/children/fileServer.ts', { FILE: zipFile }, '/healthz');
        try {
          const url = `${baseline.url}/release.zip`;
          await download(url);
          return await measure(baseline.child.pid, url, expected);
        } finally {
          await baseline.child.stop();
        }
      },
    });

    return [
      makeFigure({
        id: MEMORY_FIGURE,
        label: `peak RSS growth, ${sizes.memoryClients} concurrent downloads of a ${(expected / MB).toFixed(0)} MiB zip`,
        unit: 'MiB',
        rounds: m.server.map((r) => r.growthMB),
        baselineRounds: m.baseline.map((r) => r.growthMB),
        baselineLabel: 'bare node http streaming the same file',
        target: { kind: 'valueBelow', limit: 64 },
        notes: [
          ...new Set([...m.server, ...m.baseline].flatMap((r) => r.problems)),
          `seconds per round: server ${m.server.map((r) => r.seconds.toFixed(1)).join('/')}, baseline ${m.baseline.map((r) => r.seconds.toFixed(1)).join('/')}`,
        ],
      }),
    ];
  },
};
