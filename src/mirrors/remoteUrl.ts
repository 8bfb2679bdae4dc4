import { checkRepository } from '../projects/repository.js';
import { maskUrl } from '../logger.js';

/** How git reaches a remote, which decides the credentials it can use. */
export type Transport = 'http' | 'ssh' | 'git' | 'file';

/** The only protocols git may use for a mirror (GIT_ALLOW_PROTOCOL): no ext::, fd::, or others. */
export const ALLOWED_PROTOCOLS = 'https:http:ssh:git:file';

/**
 * Re-checks a remote `repository` right before it reaches git, even though the settings parser
 * already did: a value starting with "-", a `transport::` form or an unknown scheme never gets here.
 */
export function checkRemoteUrl(repository: string): { url: string; transport: Transport } {
  const check = checkRepository(repository, '/');
  if (!check.ok) throw new Error(`repository ${maskUrl(repository)} refused: ${check.message}`);
  if (!check.isRemote) throw new Error(`repository ${maskUrl(repository)} is a local path, not a remote URL`);
  return { url: check.repository, transport: transportOf(check.repository) };
}

function transportOf(url: string): Transport {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return 'http';
  if (scheme === 'git') return 'git';
  if (scheme === 'file') return 'file';
  return 'ssh'; // ssh:// and scp-like user@host:path
}
