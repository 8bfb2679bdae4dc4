import path from 'node:path';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { ArchiveStore } from '../archives/store.js';
import { sendArchive } from '../archives/send.js';
import { NotFoundError, UnavailableError } from '../errors.js';
import { errorHandler, type ErrorWriter } from '../http/errors.js';
import { isValidSlug } from '../projects/slug.js';
import { renderDetailsPage } from '../readme/index.js';
import { SERVABLE_VERSION } from '../releases/versions.js';
import { errorArray, phpSerialize } from './answers.js';
import { ReleaseAssetCache } from './assets.js';
import type { DownloadCounter } from './downloads.js';
import { apiLogFields, type MetadataAnswers } from './metadata.js';
import { CODES, koaParams, paramsFrom, readParams, type ApiParams } from './params.js';
import type { ResolvedRequest, UpdateApiService } from './service.js';
import type { Logger } from '../logger.js';

export interface UpdateApiDeps {
  log: Logger;
  service: UpdateApiService;
  answers: MetadataAnswers;
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
  const assets = new ReleaseAssetCache();

  const handle = async (ctx: Context) => {
    const source = koaParams(ctx);
    const logging = deps.log.isLevelEnabled('info');
    // What was asked, even when it is refused below (cut short: it is unvalidated).
    if (logging) ctx.state.logFields = { action: source('action')?.slice(0, 64), slug: source('slug')?.slice(0, 64) };
    const params = readParams(source);
    ctx.state.slug = params.slug;
    if (logging) ctx.state.logFields = apiLogFields(params, ctx.get('user-agent'));
    switch (params.action) {
      case 'basic_check':
      case 'plugin_information':
        return sendSerialized(ctx, deps.answers.answer(params, ctx.ip));
      case 'project_details':
        return details(ctx, deps.service.resolve(params, ctx.ip));
      case 'download_latest':
        return download(ctx, deps.service.resolve(params, ctx.ip), params);
    }
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
    const key = { slug: req.project.slug, version: target.version, commit: target.commit, folderName: req.project.folderName, gitDir: target.gitDir };
    const file = await deps.archives.get(key).catch((err: unknown) => {
      // The repository could not produce this tree (a missing or corrupt object): not the client's fault.
      deps.log.error({ slug: key.slug, version: key.version, error: err instanceof Error ? err.message : String(err) }, 'building a release zip failed');
      throw new UnavailableError(`The zip of ${key.slug} ${key.version} could not be built; try again later.`, CODES.notReadyYet);
    });
    // A URL naming its version always serves the same bytes; the unversioned one changes with each release.
    const cacheControl = params.version ? 'private, max-age=86400' : 'no-store';
    await sendArchive(ctx, file, `${req.project.folderName}-${target.version}.zip`, { cacheControl });
    if (ctx.method === 'GET' && (ctx.status === 200 || (ctx.status === 206 && ctx.response.get('Content-Range').startsWith('bytes 0-')))) {
      deps.downloads.increment(req.project.slug, target.version);
    }
  };

  router.get('/api', errors, handle);
  router.post('/api', errors, parseBody, handle);

  // Icons and banners of a project's latest release. The version in the path only busts caches:
  // WordPress keeps the URLs of an older release for hours, and the current image is the right answer.
  router.get('/assets/:slug/:version/:file', errors, async (ctx) => {
    const { slug, version, file } = ctx.params;
    if (!isValidSlug(slug) || !SERVABLE_VERSION.test(version)) throw new NotFoundError('Unknown asset.', CODES.unknownVersion);
    const params = readParams(paramsFrom({ action: 'project_details', slug, apikey: ctx.query.apikey, branch: ctx.query.branch }));
    const req = deps.service.resolve(params, ctx.ip);
    const latest = deps.service.latest(req);
    const bytes = await assets.read(req.releases.gitDir, latest, file);
    if (!bytes) throw new NotFoundError('Unknown asset.', CODES.unknownVersion);
    ctx.type = path.extname(file);
    ctx.set('Cache-Control', 'private, max-age=86400');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (ctx.type === 'image/svg+xml') ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    ctx.body = bytes;
  });

  return router;
}

function sendSerialized(ctx: Context, body: Buffer | string): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.type = SERIALIZED;
  ctx.body = body;
}
