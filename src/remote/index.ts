import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { AuditRecorder } from '../audit/types.js';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import type { Logger } from '../logger.js';
import pLimit from 'p-limit';
import { createOutboundClient, SiteGate, type OutboundClient } from '../outbound/index.js';
import type { SiteAccess } from '../sites/types.js';
import { JobRunner } from './jobRunner.js';
import { JobStore } from './jobStore.js';
import { createRemoteRouter } from './routes.js';

export interface RemoteDeps {
  config: Config;
  log: Logger;
  db: Db;
  sites: SiteAccess;
  audit: AuditRecorder;
  /** The outbound HTTP client; default: one built from config (allowPrivateSites, allowHttpSites). */
  client?: OutboundClient;
  /** Per-site / per-host limits; share one with the multisite feature (the panel does). Default: its own. */
  gate?: SiteGate;
  /** How often this instance refreshes the heartbeat of jobs it runs. Default 10 s. */
  jobHeartbeatMs?: number;
  /** A job whose heartbeat is older than this was interrupted. Default 60 s. */
  jobStaleMs?: number;
}

export interface RemoteFeature {
  /** POST /remote/update, GET /remote/jobs, GET /remote/jobs/:id, POST /remote/plugin-action. Session and CSRF are checked by the panel before these run. */
  router: Router;
  /** Resolves when every bulk job running in this process has finished. */
  idle(): Promise<void>;
  /** Refuses new jobs and lets running ones finish (graceful shutdown). */
  close(): Promise<void>;
}

export function createRemoteFeature(deps: RemoteDeps): RemoteFeature {
  const { config, log, db } = deps;
  const client = deps.client ?? createOutboundClient({ allowPrivate: config.allowPrivateSites, allowHttpSecrets: config.allowHttpSites, log });
  const gate = deps.gate ?? new SiteGate();
  const heartbeatMs = deps.jobHeartbeatMs ?? 10_000;
  const staleMs = deps.jobStaleMs ?? 60_000;
  const store = new JobStore(db.kysely);
  const runner = new JobRunner({
    store,
    sites: deps.sites,
    audit: deps.audit,
    client,
    limiter: pLimit(config.remoteConcurrency),
    gate,
    log,
    timeoutMs: config.remoteTimeoutMs,
    heartbeatMs,
  });
  const staleBefore = () => new Date(Date.now() - staleMs).toISOString();

  // SQLite is one instance: whatever is unfinished at start was interrupted. PostgreSQL may be
  // shared by live instances: only jobs whose heartbeat stopped are theirs to give up.
  const startCutoff = db.dialect === 'sqlite' ? new Date().toISOString() : staleBefore();
  const ready = runner.failStaleJobs(startCutoff).then(
    () => undefined,
    (err: unknown) => log.error({ err }, 'could not mark interrupted remote jobs'),
  );
  const sweep = setInterval(() => {
    runner.failStaleJobs(staleBefore()).catch((err: unknown) => log.warn({ err }, 'remote job sweep failed'));
  }, Math.max(1000, Math.floor(staleMs / 2)));
  sweep.unref();

  let closing = false;
  const router = createRemoteRouter({
    sites: deps.sites,
    audit: deps.audit,
    client,
    gate,
    store,
    runner,
    timeoutMs: config.remoteTimeoutMs,
    instanceId: randomUUID(),
    ready,
    isClosing: () => closing,
  });

  return {
    router,
    idle: () => runner.idle(),
    async close() {
      closing = true;
      clearInterval(sweep);
      await ready;
      await runner.idle();
    },
  };
}
