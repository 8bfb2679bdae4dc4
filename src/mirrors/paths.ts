import path from 'node:path';
import { isValidSlug } from '../projects/slug.js';

/**
 * Where mirrors live: `<dataDir>/mirrors/<slug>.git`, plus `.tmp/` for clones in progress and
 * `.broken/` for corrupt mirrors moved aside. Slugs cannot start with ".", so these never clash.
 */
export interface MirrorPaths {
  root: string;
  mirror: string;
  tmpDir: string;
  brokenDir: string;
}

export function mirrorPaths(dataDir: string, slug: string): MirrorPaths {
  // The slug is validated by the settings parser; checked again because it becomes a path here.
  if (!isValidSlug(slug)) throw new Error(`invalid project slug ${JSON.stringify(slug)}`);
  const root = path.join(path.resolve(dataDir), 'mirrors');
  const mirror = path.join(root, `${slug}.git`);
  if (path.dirname(mirror) !== root || path.basename(mirror) !== `${slug}.git`) {
    throw new Error(`mirror path for ${JSON.stringify(slug)} leaves the data folder`);
  }
  return { root, mirror, tmpDir: path.join(root, '.tmp'), brokenDir: path.join(root, '.broken') };
}
