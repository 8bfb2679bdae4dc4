import { z } from 'zod';

/** Login names: short, printable, no spaces, so they are safe in logs and audit context. */
export const usernameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9._@-]+$/, 'may contain only letters, digits and . _ @ -');

/** New passwords; the upper bound keeps the hashing cost bounded. */
export const newPasswordSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(1024, 'must be at most 1024 characters');

export const roleSchema = z.enum(['admin', 'user']);

export const loginBodySchema = z.object({
  username: z.string().min(1, 'is required').max(256),
  password: z.string().min(1, 'is required').max(1024),
});

export const createUserBodySchema = z.strictObject({
  username: usernameSchema,
  password: newPasswordSchema,
  role: roleSchema.default('user'),
});

export const assignSitesBodySchema = z.strictObject({
  site_ids: z.array(z.number().int().positive().max(2_147_483_647)).max(10_000),
});
