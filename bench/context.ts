import fs from 'node:fs';
import path from 'node:path';
import type { Figure } from './figures.js';
import { bigFileRepo, manyFilesRepo, manyTagsRepo, smallPluginRepo, type GeneratedRepo } from './repos/generate.js';
import type { BenchSizes } from './sizes.js';

/** What every suite receives: sizes, a temp folder of this run, shared repositories, a progress log. */
export interface BenchContext {
  sizes: BenchSizes;
  /** The run's temp folder; removed at the end unless --keep. */
  home: string;
  /** A fresh sub-folder of home. */
  dir(name: string): string;
  repos: RepoCache;
  /** Folder for `node --cpu-prof` of the measured servers, when --cpu-prof was given. */
  cpuProfDir: string | undefined;
  progress(message: string): void;
}

export interface Suite {
  name: string;
  /** Ids of the figures the suite produces (with the sizes of this run). */
  figureIds: string[];
  run(ctx: BenchContext): Promise<Figure[]>;
}

/** Repositories are generated on first use and shared by the suites that need the same one. */
export class RepoCache {
  private readonly made = new Map<string, Promise<GeneratedRepo>>();

  constructor(private readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  private get(key: string, make: (gitDir: string) => Promise<GeneratedRepo>): Promise<GeneratedRepo> {
    let repo = this.made.get(key);
    if (!repo) {
      repo = make(path.join(this.root, `${key}.git`));
      this.made.set(key, repo);
    }
    return repo;
  }

  smallPlugin(): Promise<GeneratedRepo> {
    return this.get('small-plugin', smallPluginRepo);
  }

  manyFiles(files: number, mb: number): Promise<GeneratedRepo> {
    return this.get(`files-${files}-${mb}mb`, (dir) => manyFilesRepo(dir, files, mb));
  }

  bigFile(mb: number): Promise<GeneratedRepo> {
    return this.get(`big-${mb}mb`, (dir) => bigFileRepo(dir, mb));
  }

  manyTags(count: number): Promise<GeneratedRepo> {
    return this.get(`tags-${count}`, (dir) => manyTagsRepo(dir, count));
  }
}

let dirCount = 0;

export function makeContext(sizes: BenchSizes, home: string, cpuProfDir: string | undefined): BenchContext {
  const started = Date.now();
  return {
    sizes,
    home,
    dir(name) {
      const dir = path.join(home, `${String(++dirCount).padStart(3, '0')}-${name}`);
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    },
    repos: new RepoCache(path.join(home, 'repos')),
    cpuProfDir,
    progress(message) {
      process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);
    },
  };
}
