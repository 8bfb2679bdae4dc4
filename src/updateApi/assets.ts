import path from 'node:path';
import { readBlobs } from '../git/objects.js';
import type { Release } from '../releases/types.js';

/** Icons and banners larger than this are not served (WordPress.org's own limit is far below). */
const MAX_ASSET_BYTES = 4 * 1024 * 1024;

/**
 * The icon and banner files of releases, read from git once and then kept with the release
 * object (which a refresh replaces, letting its images go too).
 */
export class ReleaseAssetCache {
  private readonly cache = new WeakMap<Release, Map<string, Promise<Buffer | null>>>();

  /** The bytes of `file` (a base name such as icon-128x128.png) among the release's assets, or null. */
  read(gitDir: string, release: Release, file: string): Promise<Buffer | null> {
    const all = { ...release.assets.icons, ...release.assets.banners };
    const repoPath = Object.values(all).find((p) => path.posix.basename(p) === file);
    if (!repoPath) return Promise.resolve(null);
    let files = this.cache.get(release);
    if (!files) this.cache.set(release, (files = new Map()));
    let bytes = files.get(repoPath);
    if (!bytes) {
      bytes = readBlobs(gitDir, [`${release.commit}:${repoPath}`], MAX_ASSET_BYTES).then(([blob]) => blob ?? null);
      // A failed read is retried by the next request, not remembered.
      bytes.catch(() => files.delete(repoPath));
      files.set(repoPath, bytes);
    }
    return bytes;
  }
}
