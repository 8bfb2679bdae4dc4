import pLimit, { type LimitFunction } from 'p-limit';

/**
 * A p-limit per key, made on first use and dropped when its last task has settled, so a map of
 * keys seen once (thousands of sites) does not grow for the life of the process.
 */
export class KeyedLimiter {
  private readonly entries = new Map<string, { limit: LimitFunction; tasks: number }>();

  constructor(readonly concurrency: number) {}

  /** Runs `task` when fewer than `concurrency` tasks of `key` are running (first come, first served). */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { limit: pLimit(this.concurrency), tasks: 0 };
      this.entries.set(key, entry);
    }
    const held = entry;
    held.tasks += 1;
    // Counted here rather than with p-limit's activeCount / pendingCount, which are updated on
    // p-limit's own schedule: once `tasks` is 0 nothing of this key runs or waits.
    return held.limit(task).finally(() => {
      held.tasks -= 1;
      if (held.tasks === 0 && this.entries.get(key) === held) this.entries.delete(key);
    });
  }

  /** Keys with a running or waiting task. */
  get size(): number {
    return this.entries.size;
  }
}

/** Calls at once to one host from this instance (several sites may live on one server). */
export const DEFAULT_PER_HOST = 2;

/** Where a call goes: the site (host, port and path of its base URL) and the host name alone. */
export function gateKeys(siteUrl: string): { site: string; host: string } {
  try {
    const url = new URL(siteUrl);
    return { site: `${url.host}${url.pathname.replace(/\/+$/, '')}`, host: url.hostname };
  } catch {
    // Not a URL: the call will be refused anyway; it still waits its turn under its own name.
    return { site: siteUrl, host: siteUrl };
  }
}

/**
 * Per-address limits on calls from this instance, on top of REMOTE_CONCURRENCY: never two calls
 * to the same site at once (bulk jobs, plugin actions and multisite calls wait for each other),
 * and at most `perHost` to one host name. A site's base URL says which site and host it is
 * (http and https of the same address are one site).
 *
 * Order, for callers that also take a global slot: site, then host, then the global limiter,
 * inside `task`. A call waiting for its site or host holds no global slot, and no cycle of waits
 * can form.
 */
export class SiteGate {
  private readonly sites = new KeyedLimiter(1);
  private readonly hosts: KeyedLimiter;

  constructor(options: { perHost?: number } = {}) {
    this.hosts = new KeyedLimiter(options.perHost ?? DEFAULT_PER_HOST);
  }

  run<T>(siteUrl: string, task: () => Promise<T>): Promise<T> {
    const keys = gateKeys(siteUrl);
    return this.sites.run(keys.site, () => this.hosts.run(keys.host, task));
  }

  /** Sites and hosts with a call running or waiting now (both 0 when idle). */
  held(): { sites: number; hosts: number } {
    return { sites: this.sites.size, hosts: this.hosts.size };
  }
}
