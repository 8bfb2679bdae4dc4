import { sql, type Kysely } from 'kysely';
import type { Database, Db } from '../db/index.js';
import type { AuditEntry, AuditRecorder } from './types.js';
import { auditRowHash, canonicalJson, GENESIS_HASH, sanitizeContext, type HashedFields } from './hash.js';

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

export interface AuditVerification {
  ok: boolean;
  /** Rows whose link and hash were verified before the walk ended. */
  checked: number;
  /** id of the first row whose prev_hash or hash does not match. */
  brokenAt?: number;
  reason?: string;
}

/** Arbitrary constant naming the audit chain's advisory lock on PostgreSQL. */
const AUDIT_LOCK_ID = 7_746_155_001;
const VERIFY_BATCH = 500;

/**
 * The append-only, hash-chained audit log. Appends are serialised — an advisory lock on
 * PostgreSQL (held until commit, so every instance waits its turn), an IMMEDIATE transaction on
 * SQLite — so two writers never chain onto the same previous row.
 */
export class AuditLog implements AuditRecorder {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry): Promise<void> {
    const context = canonicalJson(sanitizeContext(entry.context));
    const { dialect } = this.db;
    await this.db.kysely.connection().execute(async (conn) => {
      await sql.raw(dialect === 'postgres' ? 'begin' : 'begin immediate').execute(conn);
      try {
        if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK_ID)})`.execute(conn);
        const last = await conn.selectFrom('audit_log').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
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
            hash: auditRowHash(prevHash, fields),
          })
          .execute();
        await sql.raw('commit').execute(conn);
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

  /** Walks the whole chain in id order and reports the first row that does not link or hash. */
  async verify(): Promise<AuditVerification> {
    let expectedPrev = GENESIS_HASH;
    let checked = 0;
    let after = 0;
    for (;;) {
      const rows = await readBatch(this.db.kysely, after);
      if (rows.length === 0) return { ok: true, checked };
      for (const row of rows) {
        if (row.prev_hash !== expectedPrev) {
          return { ok: false, checked, brokenAt: row.id, reason: 'prev_hash does not match the previous row' };
        }
        const fields: HashedFields = {
          createdAt: row.created_at,
          userId: row.user_id,
          siteId: row.site_id,
          action: row.action,
          entityType: row.entity_type,
          entityId: row.entity_id,
          outcome: row.outcome,
          context: row.context,
        };
        if (auditRowHash(row.prev_hash, fields) !== row.hash) {
          return { ok: false, checked, brokenAt: row.id, reason: 'hash does not match the row contents' };
        }
        expectedPrev = row.hash;
        checked += 1;
        after = row.id;
      }
    }
  }
}

function readBatch(db: Kysely<Database>, after: number) {
  return db.selectFrom('audit_log').selectAll().where('id', '>', after).orderBy('id').limit(VERIFY_BATCH).execute();
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
  };
}
