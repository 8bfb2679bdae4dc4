import fs from 'node:fs';
import path from 'node:path';
import type { Suite } from '../context.js';
import { makeFigure } from '../figures.js';
import { download, downloadLoop } from '../load/download.js';
import { startHelper } from '../proc/child.js';
import { UpdateServer } from '../proc/server.js';
import { INFO_FILE } from '../repos/generate.js';
import { alternate } from '../rounds.js';
import { MB } from '../stats.js';

export const DOWNLOAD_FIGURE = 'download.cached.mbps';

/**
 * Cached download_latest throughput (MiB/s) of a 20 MB release, against a bare node http server
 * streaming the same zip file from disk. The first download builds the zip; only then is it measured.
 */
export const downloadsSuite: Suite = {
  name: 'downloads',
  figureIds: [DOWNLOAD_FIGURE],
  async run(ctx) {
    const { sizes } = ctx;
    const repo = await ctx.repos.bigFile(sizes.downloadMB);
    const home = ctx.dir('downloads');
    const slug = 'bench-download';
    let server: UpdateServer | undefined;
    let baseline: Awaited<ReturnType<typeof startHelper>> | undefined;
    try {
      server = await UpdateServer.start({ home, projects: { [slug]: { repository: repo.gitDir, info: INFO_FILE } }, cpuProfDir: ctx.cpuProfDir });
      await server.waitForProjects([slug]);
      const url = `${server.url}/api?action=download_latest&slug=${slug}`;
      // The first download builds and caches the zip; its bytes are what the baseline serves.
      const zipFile = path.join(home, 'release.zip');
      const first = await fetch(url);
      if (first.status !== 200) throw new Error(`download_latest answered ${first.status}: ${(await first.text()).slice(0, 300)}`);
      fs.writeFileSync(zipFile, Buffer.from(await first.arrayBuffer()));
      const zipBytes = fs.statSync(zipFile).size;
      const again = await download(url);
      if (again.status !== 200 || again.bytes !== zipBytes) throw new Error(`second download: status ${again.status}, ${again.bytes} of ${zipBytes} bytes`);
      await server.settle(ctx.sizes.settleWindowMs);

      baseline = await startHelper('bench/children/fileServer.ts', { FILE: zipFile }, '/healthz');
      const baselineUrl = `${baseline.url}/release.zip`;
      const hit = (target: string, seconds: number) => downloadLoop(target, sizes.downloadConnections, seconds);
      ctx.progress(`downloads: ${(zipBytes / MB).toFixed(1)} MiB zip, ${sizes.downloadConnections} connections, ${sizes.rounds} rounds of ${sizes.loadSeconds}s`);
      const m = await alternate<Awaited<ReturnType<typeof downloadLoop>>>({
        rounds: sizes.rounds,
        warmup: { server: () => hit(url, sizes.warmupSeconds), baseline: () => hit(baselineUrl, sizes.warmupSeconds) },
        server: () => hit(url, sizes.loadSeconds),
        baseline: () => hit(baselineUrl, sizes.loadSeconds),
      });
      return [
        makeFigure({
          id: DOWNLOAD_FIGURE,
          label: `cached download_latest, ${(zipBytes / MB).toFixed(0)} MiB zip`,
          unit: 'MiB/s',
          rounds: m.server.map((r) => r.mbps),
          baselineRounds: m.baseline.map((r) => r.mbps),
          baselineLabel: 'bare node http streaming the same file',
          target: { kind: 'ratioAtLeast', limit: 0.8 },
          notes: [
            ...failedDownloads('server', m.server),
            ...failedDownloads('baseline', m.baseline),
            `downloads completed per round: server ${m.server.map((r) => r.requests).join('/')}, baseline ${m.baseline.map((r) => r.requests).join('/')}`,
          ],
        }),
      ];
    } finally {
      await baseline?.child.stop();
      await server?.stop();
    }
  },
};

function failedDownloads(label: string, rounds: { failures: number }[]): string[] {
  const failures = rounds.reduce((n, r) => n + r.failures, 0);
  return failures > 0 ? [`${label}: ${failures} failed downloads`] : [];
}
