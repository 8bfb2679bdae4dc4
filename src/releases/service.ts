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

/**
 * Called after every refresh attempt of a project that still exists, whoever asked for it (start,
 * webhook, settings change, CLI, poll), with the state it left: the poller schedules retries from it.
 */
export type RefreshListener = (state: ProjectState, reason: string) => void;

/** Called when a project is gone: its settings file was deleted, or became invalid (and may be fixed). */
export type RemovedListener = (slug: string, reason: 'deleted' | 'invalid') => void;

/**
 * A source that can be told its copy of a repository is damaged (a remote's mirror): it returns
 * true when `err` means damage and the next sync will rebuild the copy (re-clone).
 */
export interface DamageAwareSource extends RepositorySource {
  reportDamaged(project: ProjectSettings, err: unknown): boolean;
}

function isDamageAware(source: RepositorySource): source is DamageAwareSource {
  return typeof (source as Partial<DamageAwareSource>).reportDamaged === 'function';
}

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
  private readonly refreshListeners = new Set<RefreshListener>();
  private readonly removedListeners = new Set<RemovedListener>();
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
        this.emit(this.removedListeners, 'removed listener', change.slug, (l) => l(change.slug, change.reason));
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

  onRefreshed(listener: RefreshListener): () => void {
    this.refreshListeners.add(listener);
    return () => this.refreshListeners.delete(listener);
  }

  onRemoved(listener: RemovedListener): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  /**
   * Re-reads a project's repository. Callers during a running refresh share one follow-up run, so
   * any number of concurrent requests cost at most two syncs. After close(), nothing is started:
   * the current state is returned as it is.
   */
  refresh(slug: string, reason = 'requested'): Promise<ProjectState> {
    if (this.closed) return Promise.resolve(this.states.get(slug) ?? this.placeholder(slug, 'not refreshed: shutting down'));
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

  /** A state for a project that has none to show (unknown, removed, or never read before shutdown). */
  private placeholder(slug: string, error: string): ProjectState {
    return { slug, status: 'failed', releases: null, error, lastAttemptAt: null, lastSuccessAt: null, failures: 0 };
  }

  private async refreshOnce(slug: string, reason: string): Promise<ProjectState> {
    const project = this.projects.get(slug);
    const previous = this.states.get(slug);
    if (!project) {
      this.states.delete(slug);
      return this.placeholder(slug, 'unknown project');
    }
    const started = Date.now();
    if (!previous) {
      this.states.set(slug, { slug, status: 'pending', releases: null, error: null, lastAttemptAt: started, lastSuccessAt: null, failures: 0 });
    }
    try {
      const releases = await this.syncAndResolve(project, reason);
      // The project may have been removed or changed while git ran; a newer refresh will follow a change.
      if (this.projects.get(slug) !== project) return this.states.get(slug) ?? this.placeholder(slug, 'project removed during its refresh');
      const state: ProjectState = { slug, status: 'ready', releases, error: null, lastAttemptAt: started, lastSuccessAt: Date.now(), failures: 0 };
      this.states.set(slug, state);
      this.logResolution(project, releases, previous?.releases ?? null, reason, Date.now() - started);
      this.emit(this.listeners, 'releases listener', slug, (l) => l(project, releases, previous?.releases ?? null));
      this.emit(this.refreshListeners, 'refresh listener', slug, (l) => l(state, reason));
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
      const current = this.projects.get(slug) === project;
      if (current) this.states.set(slug, state);
      this.log.warn(
        { slug, reason, error: message, failures: state.failures, keptReleases: state.releases !== null },
        'refresh failed; serving the last good releases',
      );
      if (current) this.emit(this.refreshListeners, 'refresh listener', slug, (l) => l(state, reason));
      return state;
    }
  }

  /**
   * Syncs and resolves. A copy found damaged only while resolving (an object deep in history that
   * the fetch and the ref check never read) is reported to the source and synced once more, which
   * re-clones it: the releases are served from this same refresh.
   */
  private async syncAndResolve(project: ProjectSettings, reason: string): Promise<ProjectReleases> {
    const slug = project.slug;
    const gitDir = await this.source.sync(project);
    let cache = this.caches.get(slug);
    if (!cache) this.caches.set(slug, (cache = new Map()));
    try {
      return await resolveReleases(gitDir, project, cache);
    } catch (err) {
      if (!isDamageAware(this.source) || !this.source.reportDamaged(project, err)) throw err;
      this.log.warn({ slug, reason, error: maskUrl(err instanceof Error ? err.message : String(err)) }, 'repository damaged while reading releases; re-cloning');
      const fresh = new Map() as MetadataCache;
      this.caches.set(slug, fresh);
      return resolveReleases(await this.source.sync(project), project, fresh);
    }
  }

  private emit<L>(listeners: Set<L>, what: string, slug: string, call: (listener: L) => void): void {
    for (const listener of listeners) {
      try {
        call(listener);
      } catch (err) {
        this.log.error({ slug, err }, `${what} failed`);
      }
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
