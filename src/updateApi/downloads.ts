import { sql } from 'kysely';
import type { Db } from '../db/index.js';
import type { Logger } from '../logger.js';

/**
 * Counts downloads per project and version. Increments stay in memory and are flushed in one
 * transaction every few seconds, so a burst of downloads costs no database write per request;
 * totals are re-read at each flush so several instances converge on the shared count.
 */
export class DownloadCounter {
  private pending = new Map<string, number>();
  private totals = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly flushMs = 5_000,
  ) {}

  async start(): Promise<void> {
    await this.reloadTotals();
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  increment(slug: string, version: string): void {
    const key = `${slug}\0${version}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    this.totals.set(slug, (this.totals.get(slug) ?? 0) + 1);
  }

  /** All downloads of a project, every version. */
  total(slug: string): number {
    return this.totals.get(slug) ?? 0;
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch((err) => {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not save download counts');
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.db.kysely.transaction().execute(async (trx) => {
          for (const [key, n] of batch) {
            const [slug, version] = key.split('\0');
            await trx
              .insertInto('download_counts')
              .values({ slug, version, count: n })
              .onConflict((oc) => oc.columns(['slug', 'version']).doUpdateSet({ count: sql`download_counts.count + ${n}` }))
              .execute();
          }
        });
      } catch (err) {
        for (const [key, n] of batch) this.pending.set(key, (this.pending.get(key) ?? 0) + n);
        throw err;
      }
    }
    await this.reloadTotals();
  }

  private async reloadTotals(): Promise<void> {
    const rows = await this.db.kysely
      .selectFrom('download_counts')
      .select(['slug', sql<string>`sum(count)`.as('total')])
      .groupBy('slug')
      .execute();
    const totals = new Map<string, number>();
    for (const r of rows) totals.set(r.slug, Number(r.total));
    for (const [key, n] of this.pending) {
      const slug = key.split('\0')[0];
      totals.set(slug, (totals.get(slug) ?? 0) + n);
    }
    this.totals = totals;
  }
}
