import { Pool, PoolClient } from 'pg';
import { Logger } from '@nestjs/common';
import { ArchiveRepository, ArchivedSession } from './archive.repository';
import { ArchivePage, ArchivePosition, ArchiveSummary } from './archive-page';
import { ARCHIVE_MIGRATIONS, ArchiveMigration } from './pg-archive.migrations';

export interface PgArchiveOptions {
  connectionString: string;
  /** Schema holding the tables; created when missing. Tests pass one of their own. Default `public`. */
  schema?: string;
  /** Overrides the migration list (tests); defaults to ARCHIVE_MIGRATIONS. */
  migrations?: readonly ArchiveMigration[];
  /** Pool size; the archive writes once per ended session, so a few connections are plenty. */
  maxConnections?: number;
}

interface ArchivedSessionRow {
  session_id: string;
  generation: number;
  reason: ArchivedSession['reason'];
  created_at: Date;
  ended_at: Date;
  turn_count: number;
  locale: string;
  metadata: Record<string, string>;
  client_ip: string | null;
  turns: ArchivedSession['turns'];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const COLUMNS =
  'session_id, generation, reason, created_at, ended_at, turn_count, locale, metadata, client_ip, turns';
/** Saving a generation again replaces it: the archive is idempotent on (session_id, generation). */
const ON_CONFLICT_REPLACE = `ON CONFLICT (session_id, generation) DO UPDATE SET
  reason = EXCLUDED.reason, created_at = EXCLUDED.created_at, ended_at = EXCLUDED.ended_at,
  turn_count = EXCLUDED.turn_count, locale = EXCLUDED.locale, metadata = EXCLUDED.metadata,
  client_ip = EXCLUDED.client_ip, turns = EXCLUDED.turns, archived_at = now()`;
/**
 * A batch as one INSERT of ten array parameters unnested into rows: one statement whatever the batch
 * size (no 65,535-parameter limit, one plan), the jsonb columns sent as JSON text and cast.
 */
const INSERT_UNNESTED = (table: string) => `INSERT INTO ${table} (${COLUMNS})
  SELECT id, gen, reason, created, ended, turns_n, locale, meta::jsonb, ip, turns::jsonb
  FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[],
              $7::text[], $8::text[], $9::text[], $10::text[])
    AS batch(id, gen, reason, created, ended, turns_n, locale, meta, ip, turns)
  ${ON_CONFLICT_REPLACE}`;

/** The PostgreSQL archive: one row per (session, generation), migrated at start. */
export class PgArchiveRepository implements ArchiveRepository {
  private readonly logger = new Logger('PgArchive');
  private readonly pool: Pool;
  private readonly schemaName: string;
  /** The quoted identifier, ready to splice into SQL. */
  private readonly schema: string;
  private readonly table: string;
  private readonly migrations: readonly ArchiveMigration[];
  private closed = false;

  constructor(options: PgArchiveOptions) {
    const schema = options.schema ?? 'public';
    // The schema name is spliced into SQL (identifiers cannot be bound), so only plain names pass.
    if (!SCHEMA_NAME.test(schema)) throw new Error(`Invalid archive schema name ${JSON.stringify(schema)}`);
    this.schemaName = schema;
    this.schema = `"${schema}"`;
    this.table = `${this.schema}.archived_sessions`;
    this.migrations = [...(options.migrations ?? ARCHIVE_MIGRATIONS)].sort((a, b) => a.version - b.version);
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 4,
      // Fail fast: an unreachable database must stop start-up and fail readiness, not hang them.
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 30_000,
      statement_timeout: 10_000,
      query_timeout: 15_000,
      application_name: 'tour-guide-archive',
    });
    // Without a listener, an idle client losing its connection would crash the process.
    this.pool.on('error', (error) => this.logger.warn(`idle PostgreSQL connection failed: ${error.message}`));
  }

  async init(): Promise<void> {
    const lockKey = `archive_migrations:${this.schemaName}`;
    await this.inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
      // Checked before creating: CREATE SCHEMA needs a database privilege even when the schema exists.
      const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        this.schemaName,
      ]);
      if (schemaExists.rowCount === 0) await client.query(`CREATE SCHEMA ${this.schema}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.schema}.archive_migrations (
           version integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now())`,
      );
    });
    for (const migration of this.migrations) {
      // Each migration commits on its own, under the lock, re-checked inside it: a second instance
      // starting at the same moment waits, then finds the version recorded and skips it.
      await this.inTransaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
        const applied = await client.query(
          `SELECT 1 FROM ${this.schema}.archive_migrations WHERE version = $1`,
          [migration.version],
        );
        if (applied.rowCount !== 0) return;
        await client.query(migration.sql(this.schema));
        await client.query(`INSERT INTO ${this.schema}.archive_migrations (version) VALUES ($1)`, [
          migration.version,
        ]);
        this.logger.log(`applied archive migration ${migration.version} (${migration.description})`);
      });
    }
  }

  async save(entry: ArchivedSession): Promise<void> {
    // node-postgres would send a JS array as a PostgreSQL array, so the jsonb values go as JSON text.
    await this.pool.query(
      `INSERT INTO ${this.table} (${COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb)
       ${ON_CONFLICT_REPLACE}`,
      [
        entry.sessionId,
        entry.generation,
        entry.reason,
        entry.createdAt,
        entry.endedAt,
        entry.turnCount,
        entry.locale,
        JSON.stringify(entry.metadata),
        entry.clientIp,
        JSON.stringify(entry.turns),
      ],
    );
  }

  async appendBatch(entries: readonly ArchivedSession[]): Promise<void> {
    // One INSERT cannot update the same row twice (ON CONFLICT would fail): the later entry wins. Rows
    // go in key order, so two batches over the same rows lock them in the same order (no deadlock).
    const latestOfEach = new Map(entries.map((entry) => [`${entry.sessionId}:${entry.generation}`, entry]));
    const rows = [...latestOfEach.values()].sort((a, b) =>
      a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : a.generation - b.generation,
    );
    if (rows.length === 0) return;
    const column = <T>(pick: (entry: ArchivedSession) => T): T[] => rows.map(pick);
    await this.inTransaction(async (client) => {
      await client.query(INSERT_UNNESTED(this.table), [
        column((entry) => entry.sessionId),
        column((entry) => entry.generation),
        column((entry) => entry.reason),
        column((entry) => entry.createdAt),
        column((entry) => entry.endedAt),
        column((entry) => entry.turnCount),
        column((entry) => entry.locale),
        column((entry) => JSON.stringify(entry.metadata)),
        column((entry) => entry.clientIp),
        column((entry) => JSON.stringify(entry.turns)),
      ]);
    });
  }

  async latest(sessionId: string): Promise<ArchivedSession | null> {
    const result = await this.pool.query<ArchivedSessionRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE session_id = $1 ORDER BY generation DESC LIMIT 1`,
      [sessionId],
    );
    return result.rows.length === 0 ? null : toArchivedSession(result.rows[0]);
  }

  async list(sessionId: string): Promise<ArchivedSession[]> {
    const result = await this.pool.query<ArchivedSessionRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE session_id = $1 ORDER BY generation ASC`,
      [sessionId],
    );
    return result.rows.map(toArchivedSession);
  }

  async recent(limit: number, after: ArchivePosition | null): Promise<ArchivePage> {
    // Keyset paging on the list order; the ended_at index serves the scan. Ids compare byte-wise
    // (COLLATE "C"), the same order as the file archive's.
    const where = after
      ? 'WHERE (ended_at, session_id COLLATE "C", generation) < ($2::timestamptz, $3, $4)'
      : '';
    const params = after ? [limit + 1, after.endedAt, after.sessionId, after.generation] : [limit + 1];
    const result = await this.pool.query<SummaryRow>(
      `SELECT session_id, generation, reason, created_at, ended_at, turn_count FROM ${this.table} ${where}
       ORDER BY ended_at DESC, session_id COLLATE "C" DESC, generation DESC LIMIT $1`,
      params,
    );
    const entries = result.rows.slice(0, limit).map(toSummary);
    const last = entries.at(-1);
    return { entries, next: result.rows.length > limit && last ? last : null };
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    // pg throws when a pool is ended twice; shutdown hooks may well call this more than once.
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async inTransaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A connection that failed mid-transaction is discarded rather than handed to the next caller.
      client.release(broken);
    }
  }
}

type SummaryRow = Pick<
  ArchivedSessionRow,
  'session_id' | 'generation' | 'reason' | 'created_at' | 'ended_at' | 'turn_count'
>;

function toSummary(row: SummaryRow): ArchiveSummary {
  return {
    sessionId: row.session_id,
    generation: row.generation,
    reason: row.reason,
    createdAt: row.created_at.toISOString(),
    endedAt: row.ended_at.toISOString(),
    turnCount: row.turn_count,
  };
}

function toArchivedSession(row: ArchivedSessionRow): ArchivedSession {
  return {
    ...toSummary(row),
    locale: row.locale,
    metadata: row.metadata,
    clientIp: row.client_ip,
    turns: row.turns,
  };
}
