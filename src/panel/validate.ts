import type { z } from 'zod';
import { BadRequestError } from '../errors.js';

/**
 * Validates untrusted input (a JSON body, query or route params) against a zod schema.
 * Failure is a 400 whose message names every bad field; the issues are also in `details`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new BadRequestError(`Invalid ${what}: ${text}`, 8, { issues });
}
