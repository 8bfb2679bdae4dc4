import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../stats.js';
import { Child, freePort } from './child.js';
import { waitForIdle } from './procfs.js';

export interface ServerOptions {
  /** A folder of this run: projectSettings/, archives/ and data/ are made inside it. */
  home: string;
  /** slug → settings object, written before the server starts. */
  projects: Record<string, object>;
  logLevel?: 'warn' | 'info';
  /** Where stdout (the JSON log) goes: kept in memory by default, or a file, or nowhere. */
  stdout?: 'pipe' | 'ignore' | string;
  onLogLine?: (line: string) => void;
  env?: Record<string, string>;
  /** Folder for `node --cpu-prof` output; no profiling when unset. */
  cpuProfDir?: string;
}

/**
 * The real update server (src/index.ts) in its own process, configured only through its
 * environment, as in production. DEMO off and polling off, so nothing runs in the background
 * that the measures did not ask for.
 */
export class UpdateServer {
  private constructor(
    readonly child: Child,
    readonly url: string,
    readonly dirs: { settings: string; archives: string; data: string },
    readonly spawnedAt: bigint,
  ) {}

  static async start(options: ServerOptions): Promise<UpdateServer> {
    const dirs = {
      settings: path.join(options.home, 'projectSettings'),
      archives: path.join(options.home, 'archives'),
      data: path.join(options.home, 'data'),
    };
    fs.mkdirSync(dirs.settings, { recursive: true });
    writeProjects(dirs.settings, options.projects);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const spawnedAt = process.hrtime.bigint();
    const child = new Child({
      script: 'src/index.ts',
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
        PROJECT_SETTINGS_DIR: dirs.settings,
        ARCHIVES_DIR: dirs.archives,
        DATA_DIR: dirs.data,
        LOG_LEVEL: options.logLevel ?? 'warn',
        DEMO: 'false',
        POLL_INTERVAL_SECONDS: '0',
        // Fixed, so the panel does not generate and write one (and warn) at every start.
        SECRET_KEY: '42'.repeat(32),
        ...options.env,
      },
      nodeFlags: options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [],
      stdout: options.stdout,
      onLine: options.onLogLine,
    });
    const server = new UpdateServer(child, url, dirs, spawnedAt);
    try {
      await child.waitForUrl(`${url}/healthz`);
    } catch (err) {
      await child.stop();
      throw err;
    }
    return server;
  }

  get pid(): number {
    return this.child.pid;
  }

  /**
   * Waits until every slug's basic_check answers 200: the project's releases are resolved
   * (503 before). Returns milliseconds from spawn to the last project ready.
   */
  async waitForProjects(slugs: string[], options: { apikey?: string; timeoutMs?: number } = {}): Promise<number> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const key = options.apikey ? `&apikey=${encodeURIComponent(options.apikey)}` : '';
    const deadline = Date.now() + timeoutMs;
    for (const slug of slugs) {
      for (;;) {
        if (!this.child.running) throw new Error(`server exited while resolving projects:\n${this.child.output()}`);
        const res = await fetch(`${this.url}/api?action=basic_check&slug=${slug}&version=0.0.1${key}`).catch(() => null);
        const status = res?.status;
        await res?.arrayBuffer();
        if (status === 200) break;
        if (status !== undefined && status !== 503) {
          throw new Error(`basic_check of ${slug} answered ${status} instead of 200 once resolved:\n${this.child.output()}`);
        }
        if (Date.now() > deadline) throw new Error(`projects not resolved within ${timeoutMs} ms (waiting for ${slug})`);
        await sleep(20);
      }
    }
    return Number(process.hrtime.bigint() - this.spawnedAt) / 1e6;
  }

  /** Waits until background work after start (zip prebuilds of new releases) is over; returns the ms waited. */
  settle(windowMs = 500): Promise<number> {
    return waitForIdle(this.pid, { windowMs });
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

export function writeProjects(dir: string, projects: Record<string, object>): void {
  for (const [slug, settings] of Object.entries(projects)) {
    fs.writeFileSync(path.join(dir, `${slug}.json`), JSON.stringify(settings, null, 2));
  }
}

/** `count` projects named <prefix>001… that all serve the same repository (settings differ only by slug). */
export function sharedRepoProjects(prefix: string, count: number, settings: object, width = String(count).length): Record<string, object> {
  const out: Record<string, object> = {};
  for (let i = 1; i <= count; i++) out[`${prefix}${String(i).padStart(width, '0')}`] = settings;
  return out;
}
