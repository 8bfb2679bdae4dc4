import { sql, type Kysely } from 'kysely';
import type { Database, Db } from '../db/index.js';
import { sameSecret } from '../secrets.js';
import type { AuditEntry, AuditRecorder } from './types.js';
import {
  auditRowHash,
  canonicalJson,
  deriveAuditKey,
  GENESIS_HASH,
  isHashScheme,
  KEYED_SCHEME,
  LEGACY_SCHEME,
  sanitizeContext,
  type HashedFields,
  type HashScheme,
} from './hash.js';

/** An audit row as the panel returns it. */
export interface AuditRow {
  id: number;
  createdAt: string;
  userId: number | null;
  siteId: number | null;
  action: string;
  entityType: string;
  entityId: string | null;
  outcome: string;
  context: Record<string, unknown>;
  prevHash: string;
  hash: string;
  /** How `hash` was made: 'hmac-sha256-v1', or 'sha256' for rows written before the chain was keyed. */
  hashScheme: string;
}

export interface AuditQuery {
  siteId?: number;
  userId?: number;
  action?: string;
  entityType?: string;
  outcome?: 'success' | 'failure' | 'partial';
  /** ISO timestamps: `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  limit: number;
  /** Rows with a smaller id than this (newest first). */
  before?: number;
  /** Restricts to these sites (a non-admin's assigned sites); undefined = no restriction. */
  visibleSiteIds?: number[];
}

/** A row an operator noted earlier (e.g. the `head` of a previous verification). */
export interface AuditCheckpoint {
  id: number;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Rows whose link and hash were verified before the walk ended. */
  checked: number;
  /** The last row when the walk started (null: empty log): note it to pass as a checkpoint later. */
  head: AuditCheckpoint | null;
  /** Present when a checkpoint was given: whether that row is still there with that hash. */
  checkpoint?: { id: number; ok: boolean };
  /** id of the first row whose prev_hash or hash does not match (or of the checkpoint row that is gone or changed). */
  brokenAt?: number;
  reason?: string;
}

/** The entry that seals rows of the unkeyed scheme under the key (see sealLegacyRows). */
const SEAL_ENTRY = { action: 'seal', entityType: 'audit_chain', entityId: null, userId: null, siteId: null, outcome: 'success' } as const;

/** Arbitrary constant naming the audit chain's advisory lock on PostgreSQL. */
const AUDIT_LOCK_ID = 7_746_155_001;
const VERIFY_BATCH = 500;

/**
 * The append-only, hash-chained audit log. Appends are serialised — an advisory lock on
 * PostgreSQL (held until commit, so every instance waits its turn), an IMMEDIATE transaction on
 * SQLite — so two writers never chain onto the same previous row.
 *
 * Each row's hash is an HMAC under a subkey of the server's secret key (src/audit/hash.ts), so
 * someone who can write to the database but does not hold SECRET_KEY cannot append or rewrite a
 * row that verifies.
 */
export class AuditLog implements AuditRecorder {
  private readonly key: Buffer;

  /**
   * `secretKey`: the server's secret key (the one SecretBox uses; the panel passes it). Without
   * it the key is loaded from the environment exactly as the server loads it (SECRET_KEY, or
   * DATA_DIR/secret.key on SQLite), for callers outside the panel such as the CLI.
   */
  constructor(
    private readonly db: Db,
    /** The server's SECRET_KEY (see loadSecretKey): the chain's HMAC key is derived from it. */
    secretKey: Buffer,
  ) {
    this.key = deriveAuditKey(secretKey);
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.append(() => entry);
  }

  /**
   * Appends a `seal` row (entity type audit_chain) when the last row is of the unkeyed scheme:
   * it chains onto that row under the key, so the rows before it can no longer be rewritten or
   * extended without the key. Run at start; does nothing on a log that is empty or already keyed.
   * Resolves to whether a row was written.
   */
  async sealLegacyRows(): Promise<boolean> {
    return this.append((last) =>
      last && last.hash_scheme === LEGACY_SCHEME
        ? { ...SEAL_ENTRY, context: { reason: 'rows before this one use the unkeyed sha256 scheme', last_legacy_id: last.id } }
        : undefined,
    );
  }

  /** Appends what `make` returns, given the current last row (inside the lock); nothing when it returns undefined. */
  private async append(make: (last: { id: number; hash: string; hash_scheme: string } | undefined) => AuditEntry | undefined): Promise<boolean> {
    const { dialect } = this.db;
    return this.db.kysely.connection().execute(async (conn) => {
      await sql.raw(dialect === 'postgres' ? 'begin' : 'begin immediate').execute(conn);
      try {
        if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK_ID)})`.execute(conn);
        const last = await conn
          .selectFrom('audit_log')
          .select(['id', 'hash', 'hash_scheme'])
          .orderBy('id', 'desc')
          .limit(1)
          .executeTakeFirst();
        const entry = make(last);
        if (!entry) {
          await sql.raw('commit').execute(conn);
          return false;
        }
        const context = canonicalJson(sanitizeContext(entry.context));
        const prevHash = last?.hash ?? GENESIS_HASH;
        const fields: HashedFields = {
          createdAt: new Date().toISOString(),
          userId: entry.userId,
          siteId: entry.siteId,
          action: entry.action,
          entityType: entry.entityType,
          entityId: entry.entityId ?? null,
          outcome: entry.outcome,
          context,
        };
        await conn
          .insertInto('audit_log')
          .values({
            created_at: fields.createdAt,
            user_id: fields.userId,
            site_id: fields.siteId,
            action: fields.action,
            entity_type: fields.entityType,
            entity_id: fields.entityId,
            outcome: fields.outcome,
            context,
            prev_hash: prevHash,
            hash: auditRowHash(KEYED_SCHEME, this.key, prevHash, fields),
            hash_scheme: KEYED_SCHEME,
          })
          .execute();
        await sql.raw('commit').execute(conn);
        return true;
      } catch (err) {
        await sql.raw('rollback').execute(conn).catch(() => {});
        throw err;
      }
    });
  }

  /** Newest first; `nextCursor` is set when more rows follow. */
  async query(q: AuditQuery): Promise<{ entries: AuditRow[]; nextCursor: string | null }> {
    if (q.visibleSiteIds && q.visibleSiteIds.length === 0) return { entries: [], nextCursor: null };
    let query = this.db.kysely.selectFrom('audit_log').selectAll();
    if (q.visibleSiteIds) query = query.where('site_id', 'in', q.visibleSiteIds);
    if (q.siteId !== undefined) query = query.where('site_id', '=', q.siteId);
    if (q.userId !== undefined) query = query.where('user_id', '=', q.userId);
    if (q.action !== undefined) query = query.where('action', '=', q.action);
    if (q.entityType !== undefined) query = query.where('entity_type', '=', q.entityType);
    if (q.outcome !== undefined) query = query.where('outcome', '=', q.outcome);
    if (q.from !== undefined) query = query.where('created_at', '>=', q.from);
    if (q.to !== undefined) query = query.where('created_at', '<', q.to);
    if (q.before !== undefined) query = query.where('id', '<', q.before);
    const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).execute();
    const page = rows.slice(0, q.limit).map(toAuditRow);
    return { entries: page, nextCursor: rows.length > q.limit ? String(page[page.length - 1].id) : null };
  }

  /**
   * Walks the chain in id order, up to the row that was last when the walk started (`head`), and
   * reports the first row that does not link, hash, or use the right scheme. Unkeyed (sha256) rows
   * are accepted only before the first keyed row: one after it was written without the key.
   * With a checkpoint (a head noted earlier), also checks that this row is still there with the
   * same hash: a log cut back past it, or rebuilt, fails even when what is left verifies.
   */
  async verify(checkpoint?: AuditCheckpoint): Promise<AuditVerification> {
    const last = await this.db.kysely.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    const head = last ? { id: last.id, hash: last.hash } : null;
    const broken = (checked: number, brokenAt: number, reason: string): AuditVerification => ({
      ok: false,
      checked,
      head,
      ...(checkpoint ? { checkpoint: { id: checkpoint.id, ok: false } } : {}),
      brokenAt,
      reason,
    });
    let expectedPrev = GENESIS_HASH;
    let keyedSeen = false;
    let checkpointFound = false;
    let checked = 0;
    let after = 0;
    while (head && after < head.id) {
      const rows = await readBatch(this.db.kysely, after, head.id);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.prev_hash !== expectedPrev) return broken(checked, row.id, 'prev_hash does not match the previous row');
        const scheme = row.hash_scheme;
        if (!isHashScheme(scheme)) return broken(checked, row.id, `unknown hash scheme "${scheme.slice(0, 40)}"`);
        if (scheme === LEGACY_SCHEME && keyedSeen) {
          return broken(checked, row.id, 'unkeyed sha256 row after keyed rows: it was not written by the server');
        }
        if (!sameSecret(auditRowHash(scheme as HashScheme, this.key, row.prev_hash, hashedFields(row)), row.hash)) {
          return broken(checked, row.id, 'hash does not match the row contents');
        }
        if (checkpoint && row.id === checkpoint.id) {
          if (!sameSecret(row.hash, checkpoint.hash)) return broken(checked, row.id, 'the checkpoint row has another hash than the checkpoint');
          checkpointFound = true;
        }
        keyedSeen ||= scheme === KEYED_SCHEME;
        expectedPrev = row.hash;
        checked += 1;
        after = row.id;
      }
    }
    if (checkpoint && !checkpointFound) {
      return broken(checked, checkpoint.id, 'the checkpoint row is missing: the log was cut back past it, or never had it');
    }
    return { ok: true, checked, head, ...(checkpoint ? { checkpoint: { id: checkpoint.id, ok: true } } : {}) };
  }
}

function hashedFields(row: Awaited<ReturnType<typeof readBatch>>[number]): HashedFields {
  return {
    createdAt: row.created_at,
    userId: row.user_id,
    siteId: row.site_id,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    outcome: row.outcome,
    context: row.context,
  };
}

function readBatch(db: Kysely<Database>, after: number, upTo = Number.MAX_SAFE_INTEGER) {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('id', '>', after)
    .where('id', '<=', upTo)
    .orderBy('id')
    .limit(VERIFY_BATCH)
    .execute();
}

function toAuditRow(row: Awaited<ReturnType<typeof readBatch>>[number]): AuditRow {
  let context: Record<string, unknown>;
  try {
    context = JSON.parse(row.context) as Record<string, unknown>;
  } catch {
    context = { unparsable: row.context };
  }
  return {
    id: row.id,
    createdAt: row.created_at,
    userId: row.user_id,
    siteId: row.site_id,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    outcome: row.outcome,
    context,
    prevHash: row.prev_hash,
    hash: row.hash,
    hashScheme: row.hash_scheme,
  };
}
