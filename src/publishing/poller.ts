import type { Logger } from '../logger.js';
import type { ProjectLookup, ReleaseService } from '../releases/service.js';
import { jittered, nextDelayAfter, pollDecision, type PollTiming } from './schedule.js';

export interface PollerDeps {
  projects: Pick<ProjectLookup, 'get' | 'list' | 'onChange'>;
  releases: Pick<ReleaseService, 'refresh' | 'state'>;
  log: Logger;
  /** Seconds between two reads of a project when no webhook arrives; 0 disables polling. */
  intervalSeconds: number;
  /** First retry delay after a failed refresh (default 15 s), doubling up to the interval. */
  retryBaseSeconds?: number;
  /** Source of jitter (tests pin it). */
  random?: () => number;
}

/**
 * The fallback for hosts without webhooks (and for local repositories): every project, remote
 * or local, is re-read about every interval (±10 % jitter, one timer per project), skipping
 * projects refreshed recently by anything else. Failed projects are retried with backoff.
 */
export class Poller {
  private readonly timing: PollTiming;
  private readonly random: () => number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(private readonly deps: PollerDeps) {
    const intervalMs = Math.max(0, deps.intervalSeconds * 1000);
    this.timing = { intervalMs, retryBaseMs: Math.min((deps.retryBaseSeconds ?? 15) * 1000, intervalMs) };
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    if (this.timing.intervalMs <= 0) {
      this.deps.log.info('polling disabled (POLL_INTERVAL_SECONDS=0): only webhooks and restarts refresh projects');
      return;
    }
    if (this.unsubscribe || this.closed) return;
    this.unsubscribe = this.deps.projects.onChange((change) => {
      if (change.kind === 'removed') this.unschedule(change.slug);
      else if (!this.timers.has(change.project.slug)) this.schedule(change.project.slug, this.firstDelay());
    });
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
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
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
    const decision = pollDecision(this.deps.releases.state(slug), Date.now(), this.timing, this.random);
    if (decision.action === 'wait') {
      this.schedule(slug, decision.ms);
      return;
    }
    const run = this.deps.releases.refresh(slug, 'poll').then(
      (state) => {
        if (state.error !== null) {
          this.deps.log.debug({ slug, failures: state.failures, retryInMs: nextDelayAfter(state, this.timing) }, 'poll failed; retrying with backoff');
        }
        if (this.deps.projects.get(slug)) this.schedule(slug, nextDelayAfter(state, this.timing, this.random));
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
