import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { ArchiveStore } from './archives/store.js';
import type { Config } from './config.js';
import { databaseOptions, openDatabase, type Db } from './db/index.js';
import { seedDemo } from './demo/seed.js';
import { errorHandler } from './http/errors.js';
import { requestLog } from './http/requestLog.js';
import type { Logger } from './logger.js';
import { repositorySource } from './mirrors/index.js';
import { createPanel, type Panel } from './panel/index.js';
import { ProjectRegistry } from './projects/registry.js';
import { attachHousekeeping } from './publishing/housekeeping.js';
import { Poller } from './publishing/poller.js';
import { ReleaseService } from './releases/service.js';
import { DownloadCounter } from './updateApi/downloads.js';
import { createFastPath } from './updateApi/fastPath.js';
import { MetadataAnswers } from './updateApi/metadata.js';
import { createUpdateApiRouter } from './updateApi/routes.js';
import { UpdateApiService } from './updateApi/service.js';
import { createWebhooksRouter } from './webhooks/index.js';

/**
 * The composition root: builds every service once, wires the routers, and owns start/stop.
 * Handlers receive their collaborators from here; none constructs its own.
 */
export interface App {
  config: Config;
  log: Logger;
  db: Db;
  projects: ProjectRegistry;
  releases: ReleaseService;
  archives: ArchiveStore;
  downloads: DownloadCounter;
  panel: Panel;
  koa: Koa;
  readonly server: http.Server | undefined;
  /** Resolves once every project's first refresh finished (successfully or not). */
  ready: Promise<void>;
  /** Base URL the server listens on (after listen). */
  url(): string;
  listen(): Promise<void>;
  /** Graceful: stop accepting, finish in-flight requests and background work, close the database. */
  close(): Promise<void>;
}

export async function createApp(config: Config, log: Logger): Promise<App> {
  if (config.demo) await seedDemo(config, log);

  const db = await openDatabase(databaseOptions(config), log);
  const projects = new ProjectRegistry({ dir: config.projectSettingsDir, log });
  await projects.load();
  projects.watch();

  const archives = new ArchiveStore({ dir: config.archivesDir, log });
  await archives.init();
  const source = repositorySource({ dataDir: config.dataDir, log });
  const releases = new ReleaseService(projects, source, log);
  const stopHousekeeping = attachHousekeeping({ releases, archives, keepVersions: config.archiveKeepVersions, log });
  const downloads = new DownloadCounter(db, log);
  await downloads.start();
  const poller = new Poller({ projects, releases, log, intervalSeconds: config.pollIntervalSeconds });
  const panel = await createPanel({ config, log, db });

  const service = new UpdateApiService(projects, releases);
  const answers = new MetadataAnswers(config, service, downloads);
  const updateApi = createUpdateApiRouter({ log, service, answers, archives, downloads });
  const fastPath = createFastPath({ answers, log, trustProxy: config.trustProxy });
  const webhooks = createWebhooksRouter({ projects, releases, log });

  // Behind N proxies, the client is N places from the right of X-Forwarded-For (maxIpsCount).
  const koa = new Koa({ proxy: config.trustProxy > 0, maxIpsCount: config.trustProxy });
  koa.silent = true;
  const root = new Router();
  root.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  koa.use(requestLog(log));
  koa.use(errorHandler(log));
  for (const router of [root, updateApi, webhooks, panel.router]) koa.use(router.routes()).use(router.allowedMethods());

  // Repositories are read in the background: the server answers (503 for a project not read yet) meanwhile.
  const ready = releases.start().then(() => undefined);
  poller.start();

  let server: http.Server | undefined;
  return {
    config,
    log,
    db,
    projects,
    releases,
    archives,
    downloads,
    panel,
    koa,
    ready,
    get server() {
      return server;
    },
    url() {
      const addr = server?.address() as AddressInfo | null;
      if (!addr) throw new Error('server is not listening');
      const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${addr.port}`;
    },
    async listen() {
      const koaHandler = koa.callback();
      server = http.createServer((req, res) => {
        if (!fastPath(req, res)) void koaHandler(req, res);
      });
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
    },
    async close() {
      // Stop accepting first; in-flight requests (downloads included) run to their end.
      const closing = server
        ? new Promise<void>((resolve) => {
            server!.close(() => resolve());
            server!.closeIdleConnections();
          })
        : Promise.resolve();
      await poller.close();
      await projects.close();
      await releases.close();
      stopHousekeeping();
      await closing;
      await archives.close();
      await panel.close();
      await downloads.close();
      await db.close();
    },
  };
}
