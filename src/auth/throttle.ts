import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.js';

export interface ThrottleRules {
  windowMs: number;
  /** Failures per username (any address) within the window before logins are refused. */
  perUsername: number;
  /** Failures per client address (any username) within the window; higher, for shared NATs. */
  perIp: number;
}

export const DEFAULT_THROTTLE_RULES: ThrottleRules = { windowMs: 15 * 60_000, perUsername: 5, perIp: 20 };

export interface LoginSource {
  username: string;
  ip: string;
}

/** A login attempt admitted by the throttle: it counts as a failure until `succeeded` forgives it. */
export interface LoginAttempt {
  source: LoginSource;
  /** The login_attempts rows written for it (one per key). */
  rowIds: number[];
}

export type ThrottleVerdict = { allowed: true; attempt: LoginAttempt } | { allowed: false; retryAfterSeconds: number };

/** Arbitrary constant naming the throttle's advisory lock on PostgreSQL (the audit log uses another). */
const THROTTLE_LOCK_ID = 7_746_155_002;

/**
 * Slows down password guessing: after too many failures for a username or an address within
 * the window, logins are refused until the window has moved on. Stored in the database so
 * every instance behind a load balancer counts the same failures.
 *
 * The attempt is counted *before* the password is checked (the check is slow on purpose), and
 * checking the count and recording the attempt is one serialised step (an advisory lock on
 * PostgreSQL, an IMMEDIATE transaction on SQLite). So N parallel guesses cannot all pass a count
 * that none of them has raised yet: at most the limit reach the password check. A login that
 * succeeds removes its own attempt and forgives the username's failures.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Db,
    private readonly rules: ThrottleRules = DEFAULT_THROTTLE_RULES,
  ) {}

  /** Admits the attempt (recording it as a failure for now) or says how long to wait. */
  async begin(source: LoginSource): Promise<ThrottleVerdict> {
    const { dialect } = this.db;
    return this.db.kysely.connection().execute(async (conn) => {
      await sql.raw(dialect === 'postgres' ? 'begin' : 'begin immediate').execute(conn);
      try {
        if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(THROTTLE_LOCK_ID)})`.execute(conn);
        const now = Date.now();
        const windowStart = new Date(now - this.rules.windowMs).toISOString();
        let waitMs = 0;
        for (const [key, limit] of this.keys(source)) {
          // The limit-th most recent attempt inside the window: while it is in the window, the key is blocked.
          const row = await conn
            .selectFrom('login_attempts')
            .select('created_at')
            .where('key', '=', key)
            .where('created_at', '>', windowStart)
            .orderBy('created_at', 'desc')
            .limit(1)
            .offset(limit - 1)
            .executeTakeFirst();
          if (row) waitMs = Math.max(waitMs, Date.parse(row.created_at) + this.rules.windowMs - now);
        }
        let verdict: ThrottleVerdict;
        if (waitMs > 0) {
          // A refused attempt is not recorded: it never reached the password check.
          verdict = { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
        } else {
          const createdAt = new Date(now).toISOString();
          const rows = await conn
            .insertInto('login_attempts')
            .values(this.keys(source).map(([key]) => ({ key, created_at: createdAt })))
            .returning('id')
            .execute();
          // Housekeeping: attempts older than the window no longer count.
          await conn.deleteFrom('login_attempts').where('created_at', '<=', windowStart).execute();
          verdict = { allowed: true, attempt: { source, rowIds: rows.map((r) => r.id) } };
        }
        await sql.raw('commit').execute(conn);
        return verdict;
      } catch (err) {
        await sql.raw('rollback').execute(conn).catch(() => {});
        throw err;
      }
    });
  }

  /**
   * The attempt's password was right: its own rows go (the address is not charged for a good
   * login) and the username's earlier failures are forgiven (not the address's).
   */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.db.kysely
      .deleteFrom('login_attempts')
      .where((eb) => eb.or([eb('id', 'in', attempt.rowIds), eb('key', '=', this.keys(attempt.source)[0][0])]))
      .execute();
  }

  private keys(source: LoginSource): [string, number][] {
    return [
      // Hashed: the typed name may be a password typed into the wrong field.
      [usernameKey(source.username), this.rules.perUsername],
      [`ip:${source.ip}`, this.rules.perIp],
    ];
  }
}

/** The throttle key of a typed username: `user:` + sha256 (hex) of its lower-case form. */
export function usernameKey(username: string): string {
  return `user:${createHash('sha256').update(username.toLowerCase()).digest('hex')}`;
}
