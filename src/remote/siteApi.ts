import { z } from 'zod';
import { AppError } from '../errors.js';
import {
  cleanText,
  InvalidSiteResponseError,
  isNoRoute,
  readSiteError,
  SiteAnswerError,
  siteEndpoint,
  type OutboundClient,
  type OutboundResponse,
} from '../outbound/index.js';
import type { PluginAction } from './input.js';

/**
 * The site side of seed 000: POST /wp-json/rakuwp/v1/remote/{update,plugin-action} with the
 * license key in X-RakuWP-Key, and what their answers mean for the panel.
 */
export const REMOTE_UPDATE_PATH = '/wp-json/rakuwp/v1/remote/update';
export const REMOTE_PLUGIN_ACTION_PATH = '/wp-json/rakuwp/v1/remote/plugin-action';
export const KEY_HEADER = 'X-RakuWP-Key';

export interface UpdateItem {
  slug: string;
  new_version: string | null;
  success: boolean;
  error: string | null;
}

export interface UpdateResults {
  plugins: UpdateItem[];
  themes: UpdateItem[];
  /** null when WordPress was already up to date. */
  core: { new_version: string | null; success: boolean; error: string | null } | null;
}

export interface UpdateAnswer {
  success: boolean;
  results: UpdateResults | null;
  /** The site's own `errors` list, as short strings. */
  errors: string[];
}

const text = (max: number) =>
  z.union([z.string(), z.number()]).transform((v) => cleanText(String(v), max) ?? null);

const ItemSchema = z.object({
  slug: text(300).pipe(z.string({ error: 'slug is required' })),
  new_version: text(50).nullish().transform((v) => v ?? null),
  success: z.boolean(),
  error: text(300).nullish().transform((v) => v ?? null),
});

const UpdateAnswerSchema = z.object({
  success: z.boolean(),
  results: z
    .object({
      plugins: z.array(ItemSchema).max(5000).default([]),
      themes: z.array(ItemSchema).max(5000).default([]),
      core: z
        .object({
          new_version: text(50).nullish().transform((v) => v ?? null),
          success: z.boolean(),
          error: text(300).nullish().transform((v) => v ?? null),
        })
        .nullish()
        .transform((v) => v ?? null),
    })
    .nullish()
    .transform((v) => v ?? null),
  errors: z
    .array(z.unknown())
    .max(5000)
    .nullish()
    .transform((list) =>
      (list ?? [])
        .slice(0, 100)
        .map((e) => cleanText(typeof e === 'string' ? e : JSON.stringify(e)))
        .filter((e): e is string => e !== undefined),
    ),
});

/** Calls the site's bulk update. Throws typed errors (outbound failures, SiteAnswerError, invalid answer). */
export async function requestSiteUpdate(
  client: OutboundClient,
  siteUrl: string,
  licenseKey: string,
  timeoutMs: number,
): Promise<{ httpStatus: number; answer: UpdateAnswer }> {
  const res = await client.send({
    method: 'POST',
    url: siteEndpoint(siteUrl, REMOTE_UPDATE_PATH),
    secretHeaders: { [KEY_HEADER]: licenseKey },
    timeoutMs,
  });
  if (res.status < 200 || res.status >= 300) throw siteFailure(res, 'update');
  const parsed = UpdateAnswerSchema.safeParse(res.json);
  if (!parsed.success) {
    throw new InvalidSiteResponseError('The site answered, but not with the update result the RakuWP API returns.', {
      site_status: res.status,
    });
  }
  return { httpStatus: res.status, answer: parsed.data };
}

/** Calls the site's plugin action; resolves with the site's confirmation. */
export async function requestPluginAction(
  client: OutboundClient,
  siteUrl: string,
  licenseKey: string,
  action: PluginAction,
  plugin: string,
  timeoutMs: number,
): Promise<{ httpStatus: number; success: true; action: string; plugin: string }> {
  const res = await client.send({
    method: 'POST',
    url: siteEndpoint(siteUrl, REMOTE_PLUGIN_ACTION_PATH),
    secretHeaders: { [KEY_HEADER]: licenseKey },
    json: { action, plugin },
    timeoutMs,
  });
  if (res.status < 200 || res.status >= 300) throw siteFailure(res, 'plugin');
  const body = res.json;
  if (!body || typeof body !== 'object' || Array.isArray(body) || typeof (body as { success?: unknown }).success !== 'boolean') {
    throw new InvalidSiteResponseError('The site answered, but not with the result the RakuWP API returns.', {
      site_status: res.status,
    });
  }
  const answer = body as { success: boolean; action?: unknown; plugin?: unknown };
  if (!answer.success) {
    const { message } = readSiteError(body);
    throw new SiteAnswerError(502, 'site_action_failed', `The site reported that the action failed${message ? `: ${message}` : '.'}`, res.status);
  }
  return {
    httpStatus: res.status,
    success: true,
    action: cleanText(answer.action, 20) ?? action,
    plugin: cleanText(answer.plugin, 200) ?? plugin,
  };
}

/**
 * A site's error answer as a panel error. The meaning of 400 / 401 / 403 / 404 is kept (same
 * status, `site_*` code); WordPress's `rest_no_route` (the RakuWP plugin is not active) and
 * anything else become 502.
 */
export function siteFailure(res: OutboundResponse, call: 'update' | 'plugin'): AppError {
  const { message } = readSiteError(res.json);
  const said = (fallback: string) => `The site answered ${res.status}: ${message ?? fallback}`;
  if (res.status === 404 && isNoRoute(res.json)) {
    return new SiteAnswerError(
      502,
      'site_api_missing',
      'The site does not offer the RakuWP remote API (is the RakuWP plugin installed and active?).',
      res.status,
    );
  }
  switch (res.status) {
    case 400:
      return new SiteAnswerError(400, 'site_bad_request', said('the request was refused as invalid.'), 400);
    case 401:
      return new SiteAnswerError(401, 'site_unauthorized', said('the license key was refused.'), 401);
    case 403:
      return new SiteAnswerError(
        403,
        'site_forbidden',
        said('the Remote service is not enabled, or the action is blocked.'),
        403,
      );
    case 404:
      if (call === 'plugin') return new SiteAnswerError(404, 'plugin_not_found', said('the plugin was not found on the site.'), 404);
  }
  return new SiteAnswerError(502, 'site_error', said(`HTTP ${res.status}.`), res.status);
}
