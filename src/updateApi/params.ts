import type { Context } from 'koa';
import { BadRequestError } from '../errors.js';
import { isSafeRefName } from '../git/refs.js';
import { isValidSlug } from '../projects/slug.js';

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

const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

/** Reads a parameter from the query string or the form/JSON body; the first string wins. */
function param(ctx: Context, ...names: string[]): string | undefined {
  const body = (ctx.request as { body?: unknown }).body;
  for (const name of names) {
    for (const source of [ctx.query as Record<string, unknown>, body as Record<string, unknown> | undefined]) {
      const v = source && typeof source === 'object' ? source[name] : undefined;
      const value = Array.isArray(v) ? v[0] : v;
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number') return String(value);
    }
  }
  return undefined;
}

/**
 * Validates every parameter before anything touches the registry, git or disk.
 * Throws BadRequestError with the original protocol's code where it has one.
 */
export function readParams(ctx: Context): ApiParams {
  const action = param(ctx, 'action');
  if (!action) throw new BadRequestError('Missing parameter: action.', LEGACY_CODES.invalidAction);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new BadRequestError(`Invalid action: use one of ${ACTIONS.join(', ')}.`, LEGACY_CODES.invalidAction);
  }
  const slug = param(ctx, 'slug');
  if (!slug) throw new BadRequestError('Missing parameter: slug.', LEGACY_CODES.missingInput);
  if (!isValidSlug(slug)) throw new BadRequestError('Invalid slug: use lowercase letters, digits, dot, dash and underscore.', LEGACY_CODES.missingInput);

  const apikey = param(ctx, 'apikey', 'api-key');
  if (apikey !== undefined && apikey.length > 512) throw new BadRequestError('Invalid apikey: too long.', LEGACY_CODES.missingInput);

  const version = param(ctx, 'version');
  if (version !== undefined && !VERSION.test(version)) throw new BadRequestError('Invalid version.', LEGACY_CODES.missingInput);
  if (action === 'basic_check' && version === undefined) {
    throw new BadRequestError('Missing parameter: version (the installed version).', LEGACY_CODES.missingInput);
  }

  const branch = param(ctx, 'branch');
  if (branch !== undefined && !isSafeRefName(branch)) throw new BadRequestError('Invalid branch name.', LEGACY_CODES.missingInput);

  const type = param(ctx, 'type');
  if (type !== undefined && type !== 'plugin' && type !== 'theme') {
    throw new BadRequestError('Invalid type: use plugin or theme.', LEGACY_CODES.missingInput);
  }
  return { action: action as Action, slug, apikey, version, branch, type };
}
