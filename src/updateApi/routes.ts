import path from 'node:path';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { ArchiveStore } from '../archives/store.js';
import { sendArchive } from '../archives/send.js';
import type { Config } from '../config.js';
import { NotFoundError } from '../errors.js';
import { spawnGit } from '../git/runner.js';
import { errorHandler, type ErrorWriter } from '../http/errors.js';
import { isValidSlug } from '../projects/slug.js';
import { renderDetailsPage } from '../readme/index.js';
import { isNewer } from '../releases/versions.js';
import { errorArray, phpSerialize, pluginInformation, upToDateHint, updateEntry } from './answers.js';
import type { DownloadCounter } from './downloads.js';
import type { LinkContext } from './links.js';
import { CODES, readParams, type ApiParams } from './params.js';
import type { ResolvedRequest, UpdateApiService } from './service.js';
import { parseWordPressAgent } from './userAgent.js';
import type { Logger } from '../logger.js';

export interface UpdateApiDeps {
  config: Config;
  log: Logger;
  service: UpdateApiService;
  archives: ArchiveStore;
  downloads: DownloadCounter;
}

const SERIALIZED = 'text/plain; charset=utf-8';
const PAGE_CSP = "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'";

/** Errors of the update API are PHP-serialized arrays {status, msg, errorCode, slug} with a real HTTP status. */
const serializedErrors: ErrorWriter = (ctx, error) => {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = SERIALIZED;
  ctx.body = phpSerialize(errorArray(ctx.state.slug as string | undefined, error.message, error.legacyCode ?? error.status));
};

/** GET|POST /api (the WP-Project-Update-API endpoint) and GET /assets/:slug/:version/:file (icons, banners). */
export function createUpdateApiRouter(deps: UpdateApiDeps): Router {
  const router = new Router();
  const parseBody = bodyParser({ enableTypes: ['form', 'json'], formLimit: '16kb', jsonLimit: '16kb' });
  const errors = errorHandler(deps.log, serializedErrors);

  const handle = async (ctx: Context) => {
    const params = readParams(ctx);
    ctx.state.slug = params.slug;
    const agent = parseWordPressAgent(ctx.get('user-agent'));
    ctx.state.logFields = {
      action: params.action,
      slug: params.slug,
      branch: params.branch,
      installedVersion: params.action === 'basic_check' ? params.version : undefined,
      wpVersion: agent.wpVersion,
      siteUrl: agent.siteUrl,
    };
    const req = deps.service.resolve(params, ctx.ip);
    const links: LinkContext = { publicUrl: deps.config.publicUrl, slug: params.slug, branch: req.branch.name, apikey: params.apikey };
    switch (params.action) {
      case 'basic_check':
        return basicCheck(ctx, req, params, links);
      case 'plugin_information':
        return information(ctx, req, links);
      case 'project_details':
        return details(ctx, req);
      case 'download_latest':
        return download(ctx, req, params);
    }
  };

  const basicCheck = (ctx: Context, req: ResolvedRequest, params: ApiParams, links: LinkContext) => {
    const latest = deps.service.latest(req);
    const answer = isNewer(latest.version, params.version!) ? updateEntry(req.project, latest, links) : upToDateHint(req.project.slug);
    sendSerialized(ctx, answer);
  };

  const information = (ctx: Context, req: ResolvedRequest, links: LinkContext) => {
    const latest = deps.service.latest(req);
    sendSerialized(ctx, pluginInformation(req.project, latest, links, deps.downloads.total(req.project.slug)));
  };

  const details = (ctx: Context, req: ResolvedRequest) => {
    const latest = deps.service.latest(req);
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Security-Policy', PAGE_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = renderDetailsPage({
      title: latest.header.name ?? latest.readme?.name ?? req.project.slug,
      version: latest.version,
      readme: latest.readme,
    });
  };

  const download = async (ctx: Context, req: ResolvedRequest, params: ApiParams) => {
    const target = await deps.service.downloadTarget(req, params.version);
    const file = await deps.archives.get({
      slug: req.project.slug,
      version: target.version,
      commit: target.commit,
      folderName: req.project.folderName,
      gitDir: target.gitDir,
    });
    // A URL naming its version always serves the same bytes; the unversioned one changes with each release.
    const cacheControl = params.version ? 'private, max-age=86400' : 'no-store';
    await sendArchive(ctx, file, `${req.project.folderName}-${target.version}.zip`, { cacheControl });
    if (ctx.method === 'GET' && ctx.status === 200) deps.downloads.increment(req.project.slug, target.version);
  };

  router.get('/api', errors, handle);
  router.post('/api', errors, parseBody, handle);

  router.get('/assets/:slug/:version/:file', errors, async (ctx) => {
    const { slug, version, file } = ctx.params;
    if (!isValidSlug(slug)) throw new NotFoundError('Unknown asset.', CODES.unknownVersion);
    const apikey = typeof ctx.query.apikey === 'string' ? ctx.query.apikey : undefined;
    const branch = typeof ctx.query.branch === 'string' ? ctx.query.branch : undefined;
    const params = readParams(withQuery(ctx, { action: 'project_details', slug, apikey, branch }));
    const req = deps.service.resolve(params, ctx.ip);
    const latest = deps.service.latest(req);
    const all = { ...latest.assets.icons, ...latest.assets.banners };
    const repoPath = Object.values(all).find((p) => path.posix.basename(p) === file);
    if (latest.version !== version || !repoPath) throw new NotFoundError('Unknown asset.', CODES.unknownVersion);
    const child = spawnGit(req.releases.gitDir, ['cat-file', 'blob', `${latest.commit}:${repoPath}`]);
    child.stderr.resume();
    ctx.type = path.extname(file);
    ctx.set('Cache-Control', 'private, max-age=86400');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (ctx.type === 'image/svg+xml') ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    ctx.body = child.stdout;
  });

  return router;
}

function sendSerialized(ctx: Context, answer: unknown): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = SERIALIZED;
  ctx.body = phpSerialize(answer);
}

/** A view of ctx whose query holds the given parameters (for reusing readParams on path routes). */
function withQuery(ctx: Context, query: Record<string, string | undefined>): Context {
  const clean = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
  return Object.create(ctx, { query: { value: clean }, request: { value: { body: undefined } } }) as Context;
}
