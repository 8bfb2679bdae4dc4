import type { Logger } from '../logger.js';
import { maskUrl } from '../logger.js';
import type { ProjectChange, ProjectSettings } from '../projects/types.js';
import { resolveReleases, type MetadataCache } from './resolve.js';
import type { ProjectReleases, ProjectState, Release, RepositorySource } from './types.js';

/** The part of the project registry this service needs. */
export interface ProjectLookup {
  get(slug: string): ProjectSettings | undefined;
  list(): ProjectSettings[];
  onChange(listener: (change: ProjectChange) => void): () => void;
}

/** Called after a refresh swapped in new releases (prebuilding zips, pruning old ones). */
export type ReleasesListener = (project: ProjectSettings, releases: ProjectReleases, previous: ProjectReleases | null) => void;

interface RefreshRun {
  again: boolean;
  done: Promise<ProjectState>;
}

/**
 * Holds every project's resolved releases in memory so update checks never touch git or disk.
 * A refresh re-resolves one project and swaps its state in one assignment: readers see the old
 * or the new state, never a mix. Concurrent refreshes of a project coalesce into one follow-up run.
 */
export class ReleaseService {
  private readonly states = new Map<string, ProjectState>();
  private readonly runs = new Map<string, RefreshRun>();
  private readonly caches = new Map<string, MetadataCache>();
  private readonly listeners = new Set<ReleasesListener>();
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly projects: ProjectLookup,
    private readonly source: RepositorySource,
    private readonly log: Logger,
  ) {}

  /** Resolves every project in the background (none waits for another) and follows settings changes. */
  start(): Promise<ProjectState[]> {
    this.unsubscribe = this.projects.onChange((change) => {
      if (change.kind === 'removed') {
        this.states.delete(change.slug);
        this.caches.delete(change.slug);
      } else {
        this.caches.delete(change.project.slug);
        void this.refresh(change.project.slug, `settings ${change.kind}`);
      }
    });
    return Promise.all(this.projects.list().map((p) => this.refresh(p.slug, 'start')));
  }

  state(slug: string): ProjectState | undefined {
    return this.states.get(slug);
  }

  allStates(): ProjectState[] {
    return [...this.states.values()];
  }

  /** The releases of a project, or undefined while it has never been read successfully. */
  releases(slug: string): ProjectReleases | undefined {
    return this.states.get(slug)?.releases ?? undefined;
  }

  onReleases(listener: ReleasesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads a project's repository. Callers during a running refresh share one follow-up run. */
  refresh(slug: string, reason = 'requested'): Promise<ProjectState> {
    const running = this.runs.get(slug);
    if (running) {
      running.again = true;
      return running.done;
    }
    const run: RefreshRun = { again: false, done: Promise.resolve(null as unknown as ProjectState) };
    this.runs.set(slug, run);
    run.done = (async () => {
      try {
        let state: ProjectState;
        do {
          run.again = false;
          state = await this.refreshOnce(slug, reason);
        } while (run.again && !this.closed);
        return state;
      } finally {
        this.runs.delete(slug);
      }
    })();
    return run.done;
  }

  /** Waits for running refreshes (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  private async refreshOnce(slug: string, reason: string): Promise<ProjectState> {
    const project = this.projects.get(slug);
    const previous = this.states.get(slug);
    if (!project) {
      this.states.delete(slug);
      return { slug, status: 'failed', releases: null, error: 'unknown project', lastAttemptAt: Date.now(), lastSuccessAt: null, failures: 0 };
    }
    const started = Date.now();
    if (!previous) {
      this.states.set(slug, { slug, status: 'pending', releases: null, error: null, lastAttemptAt: started, lastSuccessAt: null, failures: 0 });
    }
    try {
      const gitDir = await this.source.sync(project);
      let cache = this.caches.get(slug);
      if (!cache) this.caches.set(slug, (cache = new Map()));
      const releases = await resolveReleases(gitDir, project, cache);
      // The project may have been removed or changed while git ran; a newer refresh will follow a change.
      if (this.projects.get(slug) !== project) return this.states.get(slug) ?? previous!;
      const state: ProjectState = { slug, status: 'ready', releases, error: null, lastAttemptAt: started, lastSuccessAt: Date.now(), failures: 0 };
      this.states.set(slug, state);
      this.logResolution(project, releases, previous?.releases ?? null, reason, Date.now() - started);
      for (const listener of this.listeners) {
        try {
          listener(project, releases, previous?.releases ?? null);
        } catch (err) {
          this.log.error({ slug, err }, 'releases listener failed');
        }
      }
      return state;
    } catch (err) {
      const message = maskUrl(err instanceof Error ? err.message : String(err));
      const last = this.states.get(slug);
      const state: ProjectState = {
        slug,
        status: last?.releases ? 'ready' : 'failed',
        releases: last?.releases ?? null,
        error: message,
        lastAttemptAt: started,
        lastSuccessAt: last?.lastSuccessAt ?? null,
        failures: (last?.failures ?? 0) + 1,
      };
      if (this.projects.get(slug) === project) this.states.set(slug, state);
      this.log.warn(
        { slug, reason, error: message, failures: state.failures, keptReleases: state.releases !== null },
        'refresh failed; serving the last good releases',
      );
      return state;
    }
  }

  private logResolution(project: ProjectSettings, releases: ProjectReleases, previous: ProjectReleases | null, reason: string, ms: number): void {
    const latest: Record<string, string | null> = {};
    for (const [name, b] of releases.branches) latest[name] = b.latest?.version ?? null;
    this.log.info({ slug: project.slug, reason, ms, defaultBranch: releases.defaultBranch, latest }, 'releases resolved');
    const before = new Set(previous?.problems ?? []);
    for (const problem of releases.problems) {
      if (!before.has(problem)) this.log.warn({ slug: project.slug, file: project.file, problem }, 'release problem');
    }
  }
}

/** Finds the release a request means: a branch's latest, or an exact version on it (rollback). */
export function findRelease(releases: ProjectReleases, branch: string, version?: string): { release: Release | null; tagged?: { tag: string; commit: string } } {
  const b = releases.branches.get(branch);
  if (!b) return { release: null };
  if (!version || b.latest?.version === version) return { release: b.latest };
  const tagged = b.versions.find((v) => v.version === version);
  return { release: null, tagged: tagged ? { tag: tagged.tag, commit: tagged.commit } : undefined };
}
