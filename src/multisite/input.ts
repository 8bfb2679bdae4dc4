import { z } from 'zod';

/** Validation of the multisite routes; every failure is a 400 naming the field. */

const flag = z.enum(['0', '1'], { error: 'must be 0 or 1' }).optional();

/** The network's list filters (seed 002): each 0 or 1, all optional. */
export const ListFilters = z.object({ public: flag, spam: flag, archived: flag, deleted: flag });
export type ListFilters = z.infer<typeof ListFilters>;

export const CreateSubsiteInput = z.object({
  email: z.email('must be an e-mail address').max(254, 'is too long'),
  /** Path or subdomain of the new site: a DNS label (lower-case letters, digits, inner hyphens). */
  site_name: z
    .string({ error: 'is required' })
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lower-case letters, digits or inner hyphens'),
  title: z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(200, 'is too long')
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters'),
  /** Password for the site's new admin user when the e-mail is unknown to the network. */
  password: z.string().min(8, 'must be at least 8 characters').max(200, 'is too long').optional(),
});
export type CreateSubsiteInput = z.infer<typeof CreateSubsiteInput>;

export const DeleteQuery = z.object({
  drop: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});
