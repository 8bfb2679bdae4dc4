import { z } from 'zod';

/** Validation of the panel's remote routes. Every failure is a 400 naming the field. */

export const MAX_SITES_PER_JOB = 1000;

export const PLUGIN_ACTIONS = ['update', 'activate', 'deactivate', 'delete'] as const;
export type PluginAction = (typeof PLUGIN_ACTIONS)[number];

const siteId = z.number({ error: 'must be a number' }).int('must be an integer').positive('must be a positive integer').max(2 ** 31 - 1, 'is too large');

export const BulkUpdateInput = z.object({
  site_ids: z
    .array(siteId, { error: 'must be an array of site ids' })
    .min(1, 'must list at least one site')
    .max(MAX_SITES_PER_JOB, `must list at most ${MAX_SITES_PER_JOB} sites`)
    // The same site twice would update it twice at once: keep the first occurrence.
    .transform((ids) => [...new Set(ids)]),
});

/**
 * A plugin basename as WordPress writes it: `folder/file.php`, or `file.php` for a single-file
 * plugin. Each part starts with a letter or digit, so `..`, hidden files and absolute paths
 * cannot be expressed.
 */
export const PLUGIN_BASENAME = /^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)?[A-Za-z0-9][A-Za-z0-9._-]*\.php$/;

export const PluginActionInput = z.object({
  site_id: siteId,
  action: z.enum(PLUGIN_ACTIONS, { error: `must be one of ${PLUGIN_ACTIONS.join(', ')}` }),
  plugin: z
    .string({ error: 'must be a plugin basename such as akismet/akismet.php' })
    .max(200, 'is too long')
    .regex(PLUGIN_BASENAME, 'must be a plugin basename such as akismet/akismet.php'),
});

export const JobIdParam = z.coerce.number().int().positive().max(2 ** 31 - 1);

export const JobListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
