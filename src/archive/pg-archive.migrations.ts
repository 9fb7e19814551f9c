/**
 * The archive's schema history. Append only: an applied migration is never edited, a change is a new
 * version. Each takes the already-quoted schema so tests can isolate in a schema of their own.
 */
export interface ArchiveMigration {
  readonly version: number;
  readonly description: string;
  sql(schema: string): string;
}

export const ARCHIVE_MIGRATIONS: readonly ArchiveMigration[] = [
  {
    version: 1,
    description: 'archived_sessions',
    // The primary key (session_id, generation) is also the index for `latest`: a backward scan of
    // one session's entries, so a second index on the same columns would only slow down writes.
    sql: (schema) => `
      CREATE TABLE ${schema}.archived_sessions (
        session_id  text        NOT NULL,
        generation  integer     NOT NULL CHECK (generation >= 0),
        reason      text        NOT NULL,
        created_at  timestamptz NOT NULL,
        ended_at    timestamptz NOT NULL,
        turn_count  integer     NOT NULL,
        locale      text        NOT NULL,
        metadata    jsonb       NOT NULL DEFAULT '{}'::jsonb,
        client_ip   text        NULL,
        turns       jsonb       NOT NULL DEFAULT '[]'::jsonb,
        archived_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, generation)
      )`,
  },
  {
    version: 2,
    description: 'archived_sessions ended_at index',
    // Operators prune and inspect the archive by time ("what ended yesterday").
    sql: (schema) => `CREATE INDEX archived_sessions_ended_at_idx ON ${schema}.archived_sessions (ended_at)`,
  },
];
