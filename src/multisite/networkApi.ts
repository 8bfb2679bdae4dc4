import { z } from 'zod';
import type { AppError } from '../errors.js';
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
import type { CreateSubsiteInput, ListFilters } from './input.js';

/**
 * The network side of seed 002 (wp-multisites/v1), credentials in the `User` / `Password`
 * headers. The seed lists "list" under the /create URL; the reference and the plugin's code
 * register it as its own route, so it is /list here (one constant to change if a network
 * differs). The filters travel as query variables, as the plugin reads them from $_GET. Delete
 * is sent as DELETE (the seed), then once as POST (the plugin) when DELETE has no route.
 */
export const MULTISITE_LIST_PATH = '/wp-json/wp-multisites/v1/list';
export const MULTISITE_CREATE_PATH = '/wp-json/wp-multisites/v1/create';
export const MULTISITE_DELETE_PATH = '/wp-json/wp-multisites/v1/delete';

export interface NetworkCredentials {
  user: string;
  password: string;
}

/** A sub-site as the panel answers it: every field present, numbers as numbers, flags as booleans. */
export interface SubSite {
  blog_id: number | null;
  domain: string | null;
  path: string | null;
  site_id: number | null;
  registered: string | null;
  last_updated: string | null;
  public: boolean | null;
  archived: boolean | null;
  mature: boolean | null;
  spam: boolean | null;
  deleted: boolean | null;
  lang_id: number | null;
  blogname: string | null;
  siteurl: string | null;
  post_count: number | null;
  home: string | null;
}

// WordPress prints ids and flags as strings ("1"); the JSON API's fork printed them as numbers/booleans.
const num = z
  .union([z.number().int(), z.string().regex(/^-?\d{1,15}$/).transform(Number)])
  .nullish()
  .catch(null)
  .transform((v) => v ?? null);
const flag = z
  .union([z.boolean(), z.number(), z.string()])
  .nullish()
  .catch(null)
  .transform((v) => (v === null || v === undefined ? null : v === true || (typeof v !== 'boolean' && Number(v) > 0)));
const str = (max: number) =>
  z
    .unknown()
    .transform((v) => (typeof v === 'string' || typeof v === 'number' ? (cleanText(String(v), max) ?? null) : null));

const SubSiteSchema = z.object({
  blog_id: num,
  domain: str(255),
  path: str(255),
  site_id: num,
  registered: str(40),
  last_updated: str(40),
  public: flag,
  archived: flag,
  mature: flag,
  spam: flag,
  deleted: flag,
  lang_id: num,
  blogname: str(300),
  siteurl: str(500),
  post_count: num,
  home: str(500),
});

function toSubSite(value: unknown): SubSite | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const parsed = SubSiteSchema.safeParse(value);
  if (!parsed.success || parsed.data.blog_id === null) return undefined;
  return parsed.data;
}

const headers = (c: NetworkCredentials) => ({ User: c.user, Password: c.password });

export async function listSubsites(
  client: OutboundClient,
  siteUrl: string,
  credentials: NetworkCredentials,
  filters: ListFilters,
  timeoutMs: number,
): Promise<{ httpStatus: number; sites: SubSite[] }> {
  const res = await client.send({
    method: 'POST',
    url: siteEndpoint(siteUrl, MULTISITE_LIST_PATH, filters),
    secretHeaders: headers(credentials),
    timeoutMs,
  });
  if (res.status < 200 || res.status >= 300) throw networkFailure(res, 'list');
  const list = Array.isArray(res.json) ? res.json.map(toSubSite) : undefined;
  if (!list || list.some((s) => s === undefined)) {
    throw new InvalidSiteResponseError('The network answered, but not with a list of sites.', { site_status: res.status });
  }
  return { httpStatus: res.status, sites: list as SubSite[] };
}

export async function createSubsite(
  client: OutboundClient,
  siteUrl: string,
  credentials: NetworkCredentials,
  input: CreateSubsiteInput,
  timeoutMs: number,
): Promise<{ httpStatus: number; site: SubSite }> {
  const res = await client.send({
    method: 'POST',
    url: siteEndpoint(siteUrl, MULTISITE_CREATE_PATH),
    secretHeaders: headers(credentials),
    json: input,
    timeoutMs,
  });
  if (res.status < 200 || res.status >= 300) throw networkFailure(res, 'create');
  const site = toSubSite(res.json);
  if (!site) {
    throw new InvalidSiteResponseError('The network answered, but not with the new site.', { site_status: res.status });
  }
  return { httpStatus: res.status, site };
}

/**
 * The seed documents delete as `DELETE`, but also says every endpoint takes POST, and the public
 * plugin registers delete as POST. DELETE is sent first; when WordPress answers 404
 * `rest_no_route` (no route for that method), the same request is sent once more as POST. Any
 * other answer — including a 404 for a missing sub-site — is final.
 */
export async function deleteSubsite(
  client: OutboundClient,
  siteUrl: string,
  credentials: NetworkCredentials,
  blogId: number,
  drop: boolean,
  timeoutMs: number,
): Promise<{ httpStatus: number; site: SubSite | null; method: 'DELETE' | 'POST' }> {
  const send = (method: 'DELETE' | 'POST') =>
    client.send({
      method,
      url: siteEndpoint(siteUrl, MULTISITE_DELETE_PATH),
      secretHeaders: headers(credentials),
      json: { blog_id: blogId, drop },
      timeoutMs,
    });
  let method: 'DELETE' | 'POST' = 'DELETE';
  let res = await send(method);
  if (res.status === 404 && isNoRoute(res.json)) {
    method = 'POST';
    res = await send(method);
  }
  if (res.status < 200 || res.status >= 300) throw networkFailure(res, 'delete');
  // The deletion happened; an odd echo of the site is not worth failing over.
  return { httpStatus: res.status, site: toSubSite(res.json) ?? null, method };
}

const CREDENTIAL_CODES = new Set(['403', '401', 'forbidden', 'rest_forbidden', 'rest_not_logged_in', 'invalid_username', 'incorrect_password']);

/**
 * A network's error answer as a panel error, by meaning rather than status: the original
 * plugin answered a bad login with 400 and `{"id": 403}`, and a missing site on delete with
 * 400 "does not exist", so the body is read too. Bad credentials → 403 `site_forbidden`; no
 * such sub-site → 404 `subsite_not_found`; bad parameters → 400 `site_bad_request`; the JSON API
 * missing → 502 `multisite_api_missing`; anything else → 502 `site_error`.
 */
export function networkFailure(res: OutboundResponse, call: 'list' | 'create' | 'delete'): AppError {
  const { siteCode, message } = readSiteError(res.json);
  const said = (fallback: string) => `The network answered ${res.status}: ${message ?? fallback}`;
  if (res.status === 404 && isNoRoute(res.json)) {
    return new SiteAnswerError(
      502,
      'multisite_api_missing',
      'The network does not offer the multisite JSON API (wp-multisites/v1); is the plugin network-activated?',
      res.status,
    );
  }
  const credentials =
    res.status === 401 ||
    res.status === 403 ||
    (siteCode !== undefined && CREDENTIAL_CODES.has(siteCode.toLowerCase())) ||
    (res.status === 400 && /invalid username or password|permission to manage sites/i.test(message ?? ''));
  if (credentials) {
    return new SiteAnswerError(403, 'site_forbidden', said('the stored credentials were refused (a super admin is required).'), res.status);
  }
  const notFound =
    res.status === 404 ||
    (call === 'delete' &&
      res.status === 400 &&
      (/not_?found/i.test(siteCode ?? '') || /does not exist|not found/i.test(message ?? '')));
  if (notFound) return new SiteAnswerError(404, 'subsite_not_found', said('no such site on the network.'), res.status);
  if (res.status === 400) return new SiteAnswerError(400, 'site_bad_request', said('the request was refused as invalid.'), 400);
  return new SiteAnswerError(502, 'site_error', said(`HTTP ${res.status}.`), res.status);
}
