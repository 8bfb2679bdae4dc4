import type { Logger } from '../logger.js';
import type { ProjectLookup, ReleaseService } from '../releases/service.js';
import type { ProjectState } from '../releases/types.js';
import { jittered, nextDelayAfter, pollDecision, retryDelayMs, RETRY_MAX_WITHOUT_POLLING_MS, type PollTiming } from './schedule.js';

export interface PollerDeps {
  projects: Pick<ProjectLookup, 'get' | 'list' | 'onChange'>;
  releases: Pick<ReleaseService, 'refresh' | 'state' | 'onRefreshed'>;
  log: Logger;
  /** Seconds between two reads of a project when no webhook arrives; 0 disables polling (retries stay). */
  intervalSeconds: number;
  /** First retry delay after a failed refresh (default 15 s), doubling up to the interval. */
  retryBaseSeconds?: number;
  /** Source of jitter (tests pin it). */
  random?: () => number;
}

/**
 * The fallback for hosts without webhooks (and for local repositories): every project, remote
 * or local, is re-read about every interval (±10 % jitter, one timer per project), skipping
 * projects refreshed recently by anything else.
 *
 * Retries: after *any* failed refresh (start, webhook, settings change, poll), whoever asked for
 * it, the project's next turn comes at the backoff delay (15 s, 30 s, 60 s, … up to the interval),
 * not at the end of the interval. With polling off (interval 0) failed refreshes are still retried
 * the same way, up to every 5 minutes, until one succeeds; a healthy project then waits for the
 * next webhook.
 */
export class Poller {
  private readonly timing: PollTiming;
  private readonly polling: boolean;
  private readonly random: () => number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private unsubscribe: (() => void)[] = [];
  private started = false;
  private closed = false;

  constructor(private readonly deps: PollerDeps) {
    const intervalMs = Math.max(0, deps.intervalSeconds * 1000);
    this.polling = intervalMs > 0;
    const retryBaseMs = Math.max(1, (deps.retryBaseSeconds ?? 15) * 1000);
    this.timing = this.polling
      ? { intervalMs, retryBaseMs: Math.min(retryBaseMs, intervalMs) }
      : { intervalMs: 0, retryBaseMs: Math.min(retryBaseMs, RETRY_MAX_WITHOUT_POLLING_MS), retryMaxMs: RETRY_MAX_WITHOUT_POLLING_MS };
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.unsubscribe.push(this.deps.releases.onRefreshed((state, reason) => this.refreshed(state, reason)));
    if (!this.polling) {
      this.unsubscribe.push(
        this.deps.projects.onChange((change) => {
          if (change.kind === 'removed') this.unschedule(change.slug);
        }),
      );
      // Refreshes that already failed (at start) are retried too.
      for (const project of this.deps.projects.list()) {
        const state = this.deps.releases.state(project.slug);
        if (state && state.error !== null) this.schedule(project.slug, this.retryIn(state));
      }
      this.deps.log.info('polling disabled (POLL_INTERVAL_SECONDS=0): webhooks and restarts refresh projects; failed refreshes are retried with backoff');
      return;
    }
    this.unsubscribe.push(
      this.deps.projects.onChange((change) => {
        if (change.kind === 'removed') this.unschedule(change.slug);
        else if (!this.timers.has(change.project.slug)) this.schedule(change.project.slug, this.firstDelay());
      }),
    );
    for (const project of this.deps.projects.list()) this.schedule(project.slug, this.firstDelay());
    this.deps.log.info({ intervalSeconds: this.deps.intervalSeconds, projects: this.timers.size }, 'polling started');
  }

  /** Slugs with a pending turn (for tests and diagnostics). */
  scheduled(): string[] {
    return [...this.timers.keys()].sort();
  }

  /** Stops every timer and waits for refreshes the poller started. */
  async close(): Promise<void> {
    this.closed = true;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  /**
   * Every finished refresh, whoever asked for it, sets the project's next turn: the backoff delay
   * after a failure, a full interval after a success (no turn at all when polling is off).
   */
  private refreshed(state: ProjectState, reason: string): void {
    if (this.closed || !this.deps.projects.get(state.slug)) return;
    if (state.error !== null) {
      const retryInMs = this.retryIn(state);
      this.deps.log.debug({ slug: state.slug, reason, failures: state.failures, retryInMs }, 'refresh failed; retrying with backoff');
      this.schedule(state.slug, retryInMs);
    } else if (this.polling) {
      this.schedule(state.slug, jittered(this.timing.intervalMs, this.random));
    } else {
      this.unschedule(state.slug);
    }
  }

  /** The backoff delay still to wait, counted from the failed attempt's start. */
  private retryIn(state: ProjectState): number {
    const since = state.lastAttemptAt === null ? 0 : Math.max(0, Date.now() - state.lastAttemptAt);
    return Math.max(1, retryDelayMs(state.failures, this.timing) - since);
  }

  /**
   * The first turn comes no later than the first retry delay: a project whose read failed at
   * start is retried soon; a healthy one is then simply skipped (it was just read).
   */
  private firstDelay(): number {
    return jittered(Math.min(this.timing.intervalMs, this.timing.retryBaseMs), this.random);
  }

  private schedule(slug: string, delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(slug));
    const timer = setTimeout(() => this.turn(slug), Math.max(1, delayMs));
    timer.unref(); // never keeps a CLI or a test process alive
    this.timers.set(slug, timer);
  }

  private unschedule(slug: string): void {
    clearTimeout(this.timers.get(slug));
    this.timers.delete(slug);
  }

  private turn(slug: string): void {
    this.timers.delete(slug);
    if (this.closed || !this.deps.projects.get(slug)) return;
    const state = this.deps.releases.state(slug);
    // Polling off: turns are retries only; a project healed meanwhile (by a webhook) needs none.
    if (!this.polling && (!state || state.error === null)) return;
    const decision = pollDecision(state, Date.now(), this.timing, this.random);
    if (decision.action === 'wait') {
      this.schedule(slug, decision.ms);
      return;
    }
    const run = this.deps.releases.refresh(slug, this.polling ? 'poll' : 'retry').then(
      (after) => {
        // Normally refreshed() already set the next turn; a refresh that told no listener (the
        // project changed while it ran, or shutdown) must not leave the project without one.
        if (!this.timers.has(slug) && this.deps.projects.get(slug) && (this.polling || after.error !== null)) {
          this.schedule(slug, nextDelayAfter(after, this.timing, this.random));
        }
      },
      (err: unknown) => {
        this.deps.log.error({ slug, err }, 'poll refresh failed');
        this.schedule(slug, this.timing.retryBaseMs);
      },
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }
}
