import type { ArchiveKey, ArchiveStore } from '../archives/store.js';
import type { Logger } from '../logger.js';
import type { ProjectSettings } from '../projects/types.js';
import type { ReleaseService } from '../releases/service.js';
import type { ProjectReleases } from '../releases/types.js';

/** The part of the archive store housekeeping needs. */
export type HousekeepingArchives = Pick<ArchiveStore, 'prebuild' | 'prune'>;

export interface HousekeepingDeps {
  releases: Pick<ReleaseService, 'onReleases' | 'onRemoved' | 'state'>;
  archives: HousekeepingArchives;
  /** Versions per branch whose zips are kept (ARCHIVE_KEEP_VERSIONS). */
  keepVersions: number;
  log: Logger;
}

/**
 * After every refresh that swapped in releases: builds the zip of each branch's new latest
 * release in the background (so the first WordPress download does not wait), and prunes the
 * project's zips to the newest `keepVersions` served versions of each branch. When a project's
 * settings file is deleted, all its zips are removed (rebuilt if it comes back); a file disabled by
 * a mistake keeps them, since the fix usually follows. Returns a function that stops it.
 */
export function attachHousekeeping(deps: HousekeepingDeps): () => void {
  const pruning = new Map<string, Promise<void>>();
  let stopped = false;

  /** One prune at a time per project; a newer one runs after the running one. */
  const prune = (slug: string, keep: () => { version: string; commit: string }[] | null) => {
    const before = pruning.get(slug) ?? Promise.resolve();
    const run = before.then(async () => {
      if (stopped) return;
      const kept = keep();
      if (kept === null) return;
      try {
        await deps.archives.prune(slug, kept);
      } catch (err) {
        deps.log.warn({ slug, error: err instanceof Error ? err.message : String(err) }, 'pruning release zips failed');
      }
    });
    pruning.set(slug, run);
    void run.then(() => {
      if (pruning.get(slug) === run) pruning.delete(slug);
    });
  };

  const offRemoved = deps.releases.onRemoved((slug, reason) => {
    if (stopped || reason !== 'deleted') return;
    // Checked when the prune runs: a project added back meanwhile keeps its zips.
    prune(slug, () => (deps.releases.state(slug) === undefined ? [] : null));
  });

  const offReleases = deps.releases.onReleases((project, releases, previous) => {
    if (stopped) return;
    // The store bounds how many zips are built at once; these wait their turn there.
    for (const key of newLatest(project, releases, previous)) {
      deps.archives.prebuild(key).then(
        () => deps.log.debug({ slug: key.slug, version: key.version }, 'release zip prebuilt'),
        (err: unknown) =>
          deps.log.warn({ slug: key.slug, version: key.version, error: err instanceof Error ? err.message : String(err) }, 'prebuilding a release zip failed'),
      );
    }
    const keep = keptReleases(releases, deps.keepVersions);
    prune(project.slug, () => keep);
  });

  return () => {
    stopped = true;
    offReleases();
    offRemoved();
  };
}

/** Each branch's latest release, unless the previous resolution already offered the same one. */
export function newLatest(project: ProjectSettings, releases: ProjectReleases, previous: ProjectReleases | null): ArchiveKey[] {
  const seen = new Set<string>();
  const keys: ArchiveKey[] = [];
  for (const branch of releases.branches.values()) {
    const latest = branch.latest;
    if (!latest) continue;
    const id = `${latest.version}\0${latest.commit}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const before = previous?.branches.get(branch.name)?.latest;
    if (before && before.version === latest.version && before.commit === latest.commit && previous?.gitDir === releases.gitDir) continue;
    keys.push({ slug: project.slug, version: latest.version, commit: latest.commit, folderName: project.folderName, gitDir: releases.gitDir });
  }
  return keys;
}

/**
 * The releases whose zips stay: per branch, the offered latest first, then the highest tagged
 * versions, up to `keepVersions`. Everything else (older versions, releases no longer served
 * because their tag or branch is gone) may be removed; it is rebuilt on demand if asked for.
 */
export function keptReleases(releases: ProjectReleases, keepVersions: number): { version: string; commit: string }[] {
  const keep = new Map<string, { version: string; commit: string }>();
  for (const branch of releases.branches.values()) {
    const candidates = [
      ...(branch.latest ? [{ version: branch.latest.version, commit: branch.latest.commit }] : []),
      ...branch.versions.map((v) => ({ version: v.version, commit: v.commit })),
    ];
    const mine = new Map<string, { version: string; commit: string }>();
    for (const c of candidates) {
      if (mine.size >= keepVersions) break;
      mine.set(`${c.version}\0${c.commit}`, c);
    }
    for (const [id, c] of mine) keep.set(id, c);
  }
  return [...keep.values()];
}
