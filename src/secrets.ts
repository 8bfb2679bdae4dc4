import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets (tokens, signatures, hashes) in constant time. Both sides are hashed
 * first, so values of different lengths compare in the same time too and never throw.
 */
export function sameSecret(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
