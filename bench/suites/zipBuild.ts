import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Suite } from '../context.js';
import { makeFigure } from '../figures.js';
import { download } from '../load/download.js';
import { UpdateServer } from '../proc/server.js';
import { GIT_ENV } from '../repos/fastImport.js';
import { INFO_FILE } from '../repos/generate.js';
import { alternate } from '../rounds.js';
import { MB } from '../stats.js';

const run = promisify(execFile);

export const ZIP_FIGURE = 'zip.cold_build.seconds';

interface Round {
  seconds: number;
  bytes: number;
}

/**
 * Cold zip build of a ~2,000 file / 30 MB release: the time of the first download of a version
 * no zip exists for, on a fresh server (fresh ARCHIVES_DIR) each round, against
 * `git archive --format=zip` of the same tree.
 *
 * The server prebuilds the latest release's zip at start, so the measured download is the
 * previous release (same tree, only the header differs), asked for after the prebuild finished:
 * a cold build with nothing else running.
 */
export const zipBuildSuite: Suite = {
  name: 'zip',
  figureIds: [ZIP_FIGURE],
  async run(ctx) {
    const { sizes } = ctx;
    const repo = await ctx.repos.manyFiles(sizes.zipFiles, sizes.zipMB);
    const slug = 'bench-zip';
    const [older, latest] = repo.versions as [string, string];
    const out = path.join(ctx.dir('zip-git-archive'), 'release.zip');
    ctx.progress(`zip: ${sizes.zipFiles} files / ${sizes.zipMB} MB tree, ${sizes.rounds} rounds`);

    const m = await alternate<Round>({
      rounds: sizes.rounds,
      warmup: {
        // Brings the repository's pack into the page cache for both sides.
        baseline: () => gitArchive(repo.gitDir, `v${older}`, slug, out),
        server: async () => undefined,
      },
      baseline: () => gitArchive(repo.gitDir, `v${older}`, slug, out),
      server: async () => {
        const server = await UpdateServer.start({
          home: ctx.dir('zip-server'),
          projects: { [slug]: { repository: repo.gitDir, info: INFO_FILE } },
          cpuProfDir: ctx.cpuProfDir,
        });
        try {
          await server.waitForProjects([slug]);
          // Waits for (or joins) the latest release's prebuild, then for the server to go idle.
          const first = await download(`${server.url}/api?action=download_latest&slug=${slug}`);
          if (first.status !== 200) throw new Error(`download of ${latest} answered ${first.status}`);
          await server.settle(ctx.sizes.settleWindowMs);
          const cold = await download(`${server.url}/api?action=download_latest&slug=${slug}&version=${older}`);
          if (cold.status !== 200) throw new Error(`download of ${older} answered ${cold.status}`);
          return { seconds: cold.ms / 1000, bytes: cold.bytes };
        } finally {
          await server.stop();
        }
      },
    });
    const serverBytes = m.server[0]?.bytes ?? 0;
    const gitBytes = m.baseline[0]?.bytes ?? 0;
    return [
      makeFigure({
        id: ZIP_FIGURE,
        label: `cold zip build + download, ${sizes.zipFiles} files / ${sizes.zipMB} MB`,
        unit: 's',
        rounds: m.server.map((r) => r.seconds),
        baselineRounds: m.baseline.map((r) => r.seconds),
        baselineLabel: 'git archive --format=zip of the same tree',
        target: { kind: 'ratioAtMost', limit: 1.3 },
        notes: [`zip size: server ${(serverBytes / MB).toFixed(1)} MiB, git archive ${(gitBytes / MB).toFixed(1)} MiB`],
      }),
    ];
  },
};

async function gitArchive(gitDir: string, ref: string, folder: string, out: string): Promise<Round> {
  fs.rmSync(out, { force: true });
  const started = process.hrtime.bigint();
  await run('git', ['--git-dir', gitDir, 'archive', '--format=zip', `--prefix=${folder}/`, '-o', out, ref], { env: GIT_ENV });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, bytes: fs.statSync(out).size };
}
