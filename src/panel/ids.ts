import { z } from 'zod';
import { parseInput } from './validate.js';

const MAX_ID = 2_147_483_647;

/** A database id from a query string or body: a positive integer that fits a 32-bit column. */
export const idSchema = z.coerce.number().int().positive().max(MAX_ID);

const routeIdSchema = z
  .string()
  .regex(/^\d{1,10}$/, 'must be a positive integer')
  .transform(Number)
  .pipe(z.number().int().positive().max(MAX_ID));

/** Parses `:id`-style route parameters; anything else is a 400, never a 500. */
export function routeId(value: string | undefined, name = 'id'): number {
  return parseInput(routeIdSchema, value, name);
}
