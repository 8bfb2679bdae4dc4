import type { Context } from 'koa';
import { BadRequestError } from '../errors.js';
import { isSafeRefName } from '../git/refs.js';
import { isValidSlug } from '../projects/slug.js';
import { SERVABLE_VERSION } from '../releases/versions.js';

export const ACTIONS = ['basic_check', 'plugin_information', 'project_details', 'download_latest'] as const;
export type Action = (typeof ACTIONS)[number];

/** Error codes of the original WP-Project-Update-API, kept so existing clients understand them. */
export const LEGACY_CODES = {
  missingInput: 8,
  settingsMissing: 5,
  settingsInvalid: 6,
  noAccess: 17,
  invalidAction: 33,
} as const;

/** Codes this server adds for errors the original did not have. */
export const CODES = {
  unknownBranch: 40,
  unknownVersion: 41,
  noRelease: 42,
  notReadyYet: 50,
} as const;

export interface ApiParams {
  action: Action;
  slug: string;
  apikey?: string;
  version?: string;
  branch?: string;
  type?: 'plugin' | 'theme';
}


/** Looks a request parameter up by name: undefined when absent or empty. */
export type ParamSource = (name: string) => string | undefined;

function first(v: unknown): string | undefined {
  const value = Array.isArray(v) ? v[0] : v;
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** Parameters from decoded key/value records (query string, form or JSON body): the first record that has a name wins. */
export function paramsFrom(...records: (Record<string, unknown> | undefined | null)[]): ParamSource {
  return (name) => {
    for (const record of records) {
      if (!record || typeof record !== 'object') continue;
      const value = first(record[name]);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

/** A Koa request's parameters: query string first, then the parsed body. */
export function koaParams(ctx: Context): ParamSource {
  return paramsFrom(ctx.query as Record<string, unknown>, (ctx.request as { body?: Record<string, unknown> }).body);
}

/**
 * Validates every parameter before anything touches the registry, git or disk.
 * Throws BadRequestError with the original protocol's code where it has one.
 */
export function readParams(param: ParamSource): ApiParams {
  const action = param('action');
  if (!action) throw new BadRequestError('Missing parameter: action.', LEGACY_CODES.invalidAction);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new BadRequestError(`Invalid action: use one of ${ACTIONS.join(', ')}.`, LEGACY_CODES.invalidAction);
  }
  const slug = param('slug');
  if (!slug) throw new BadRequestError('Missing parameter: slug.', LEGACY_CODES.missingInput);
  if (!isValidSlug(slug)) throw new BadRequestError('Invalid slug: use lowercase letters, digits, dot, dash and underscore.', LEGACY_CODES.missingInput);

  const apikey = param('apikey') ?? param('api-key');
  if (apikey !== undefined && apikey.length > 512) throw new BadRequestError('Invalid apikey: too long.', LEGACY_CODES.missingInput);

  const version = param('version');
  if (version !== undefined && !SERVABLE_VERSION.test(version)) throw new BadRequestError('Invalid version.', LEGACY_CODES.missingInput);
  if (action === 'basic_check' && version === undefined) {
    throw new BadRequestError('Missing parameter: version (the installed version).', LEGACY_CODES.missingInput);
  }

  const branch = param('branch');
  if (branch !== undefined && !isSafeRefName(branch)) throw new BadRequestError('Invalid branch name.', LEGACY_CODES.missingInput);

  const type = param('type');
  if (type !== undefined && type !== 'plugin' && type !== 'theme') {
    throw new BadRequestError('Invalid type: use plugin or theme.', LEGACY_CODES.missingInput);
  }
  return { action: action as Action, slug, apikey, version, branch, type };
}
