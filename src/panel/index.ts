import Router from '@koa/router';
import type { Middleware } from 'koa';
import { AuditLog } from '../audit/log.js';
import { createAuditRouter } from '../audit/routes.js';
import { LoginService } from '../auth/login.js';
import { requireCsrf, requireSession } from '../auth/middleware.js';
import { createLoginRouter, createSessionRouter } from '../auth/routes.js';
import { SessionStore } from '../auth/sessions.js';
import { LoginThrottle } from '../auth/throttle.js';
import { UserService } from '../auth/users.js';
import { createUsersRouter } from '../auth/usersRoutes.js';
import type { Config } from '../config.js';
import type { Db } from '../db/index.js';
import type { Logger } from '../logger.js';
import { createMultisiteRouter } from '../multisite/index.js';
import { SiteGate } from '../outbound/index.js';
import { createRemoteFeature } from '../remote/index.js';
import { createSitesRouter } from '../sites/routes.js';
import { SecretBox } from '../sites/secretBox.js';
import { loadSecretKey } from '../sites/secretKey.js';
import { SiteService } from '../sites/service.js';
import { BODY_LIMITS, jsonBody } from './body.js';

export interface PanelDeps {
  config: Config;
  log: Logger;
  db: Db;
}

export interface Panel {
  /** Every panel route: /auth/*, /users/*, /sites/*, /audit, /remote/*, multisite routes. */
  router: Router;
  /** The panel's services, for other composition code (and tests). */
  users: UserService;
  sites: SiteService;
  audit: AuditLog;
  /** Per-site and per-host limits on calls to sites, shared by remote updates, plugin actions and multisite. */
  gate: SiteGate;
  close(): Promise<void>;
}

/** Panel answers are per user and change with every action: never cached. */
const noStore: Middleware = async (ctx, next) => {
  ctx.set('Cache-Control', 'no-store');
  await next();
};

/**
 * Composition of the panel features (auth, users, sites, audit, remote, multisite): builds each
 * service once and mounts the routes. Only POST /auth/login is public; every other route runs
 * behind requireSession (401) and requireCsrf (403 for state-changing methods), in that order.
 */
export async function createPanel(deps: PanelDeps): Promise<Panel> {
  const { config, log, db } = deps;

  // First: without a usable key (PostgreSQL needs SECRET_KEY) the server must not start at all.
  const secretKey = loadSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir, shared: db.dialect === 'postgres' }, log);
  const box = new SecretBox(secretKey);
  // The audit chain is keyed by a subkey of the same secret: forging a row needs SECRET_KEY.
  const audit = new AuditLog(db, secretKey);
  if (await audit.sealLegacyRows()) log.info('audit log: sealed the rows of the unkeyed sha256 scheme under the audit key');
  const users = new UserService(db, audit);
  const sessions = new SessionStore(db);
  const throttle = new LoginThrottle(db);
  const login = new LoginService({ users, sessions, throttle, audit, log });
  const sites = new SiteService(db, box, audit, { allowHttpSites: config.allowHttpSites });

  if (config.adminUser && config.adminPassword) {
    if (await users.ensureInitialAdmin(config.adminUser, config.adminPassword)) {
      log.info({ username: config.adminUser }, 'created the first panel admin from ADMIN_USER');
    }
  }

  // One gate for every feature that calls sites: a job, a plugin action and a multisite call to
  // one site wait for each other.
  const gate = new SiteGate();
  const remote = createRemoteFeature({ config, log, db, sites, audit, gate });
  const multisite = createMultisiteRouter({ config, log, sites, audit, gate });

  // @koa/router flattens nested routers into this one, in this order. Route-less middleware
  // (noStore, the session and CSRF checks) only runs when a panel route matches, so unknown paths
  // still fall through to 404 and other routers are untouched. Bodies are parsed per route, with
  // the limit of its group (see BODY_LIMITS), after the session and CSRF checks.
  const adminBody = jsonBody(BODY_LIMITS.admin);
  const router = new Router();
  router.use(noStore);
  router.use(createLoginRouter({ config, login, body: jsonBody(BODY_LIMITS.login) }).routes());
  router.use(requireSession(sessions), requireCsrf());
  router.use(createSessionRouter({ config, sessions, audit }).routes());
  router.use(createUsersRouter({ users, body: adminBody }).routes());
  router.use(createSitesRouter({ sites, body: adminBody }).routes());
  router.use(createAuditRouter({ audit, assignedSiteIds: (id) => users.assignedSiteIds(id) }).routes());
  router.use(remote.router.routes());
  router.use(multisite.routes());

  return {
    router,
    users,
    sites,
    audit,
    gate,
    async close() {
      await remote.close();
    },
  };
}
