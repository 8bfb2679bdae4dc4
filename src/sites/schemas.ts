import { z } from 'zod';
import { normaliseSiteUrl } from './url.js';

const siteName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

const siteUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .transform((value, ctx) => {
    const result = normaliseSiteUrl(value);
    if ('error' in result) {
      ctx.addIssue({ code: 'custom', message: result.error });
      return z.NEVER;
    }
    return result.url;
  });

/** Sent as the X-RakuWP-Key header, so printable ASCII only. */
const licenseKey = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(512, 'must be at most 512 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Sent as the User / Password headers of the multisite JSON API, so printable ASCII only. */
const headerValue = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');

const multisiteCredentials = z.strictObject({ user: headerValue(256), password: headerValue(1024) });

export const createSiteBodySchema = z.strictObject({
  name: siteName,
  url: siteUrl,
  licenseKey: licenseKey.nullish(),
  multisite: multisiteCredentials.nullish(),
});

/** Every field optional; `licenseKey: null` removes the key, `multisite: null` makes it a single site. */
export const updateSiteBodySchema = z
  .strictObject({
    name: siteName.optional(),
    url: siteUrl.optional(),
    licenseKey: licenseKey.nullable().optional(),
    multisite: multisiteCredentials.nullable().optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), { message: 'nothing to change' });

export type CreateSiteInput = z.output<typeof createSiteBodySchema>;
export type UpdateSiteInput = z.output<typeof updateSiteBodySchema>;
