import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { archivedSession, describeArchiveContract } from './archive.repository.contract';
import { ARCHIVE_MIGRATIONS } from './pg-archive.migrations';
import { PgArchiveRepository } from './pg-archive.repository';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs SQL outside the repository under test: checks and clean-up. */
async function adminQuery<T extends object = Record<string, unknown>>(sql: string): Promise<T[]> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function testSchema(): string {
  return `archive_test_${randomBytes(6).toString('hex')}`;
}

// Migration and skipped-line notices are expected here; they would only bury the test output.
beforeAll(() => Logger.overrideLogger(false));

describeArchiveContract(PgArchiveRepository.name, () => {
  const schema = testSchema();
  const open = () => new PgArchiveRepository({ connectionString: TEST_DATABASE_URL, schema });
  return Promise.resolve({
    sut: open(),
    reopen: open,
    cleanup: async () => void (await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)),
  });
});

describe(PgArchiveRepository.name, () => {
  const schema = testSchema();
  const created: PgArchiveRepository[] = [];
  const open = (options: Partial<ConstructorParameters<typeof PgArchiveRepository>[0]> = {}) => {
    const repository = new PgArchiveRepository({ connectionString: TEST_DATABASE_URL, schema, ...options });
    created.push(repository);
    return repository;
  };

  afterEach(async () => {
    await Promise.all(created.splice(0).map((repository) => repository.close()));
    await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  describe('init', () => {
    it('records every migration in archive_migrations', async () => {
      await open().init();
      const rows = await adminQuery<{ version: number }>(
        `SELECT version FROM "${schema}".archive_migrations ORDER BY version`,
      );
      expect(rows.map((row) => row.version)).toEqual(
        ARCHIVE_MIGRATIONS.map((migration) => migration.version),
      );
    });

    it('applies only the migrations not yet applied', async () => {
      await open({ migrations: ARCHIVE_MIGRATIONS.slice(0, 1) }).init();
      const sut = open();
      await sut.init();
      const rows = await adminQuery<{ version: number }>(
        `SELECT version FROM "${schema}".archive_migrations`,
      );
      expect(rows).toHaveLength(ARCHIVE_MIGRATIONS.length);
      const indexes = await adminQuery<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 'archived_sessions'`,
      );
      expect(indexes.map((row) => row.indexname)).toContain('archived_sessions_ended_at_idx');
    });

    it('lets instances starting together migrate without racing', async () => {
      const instances = Array.from({ length: 4 }, () => open());
      await Promise.all(instances.map((instance) => instance.init()));
      const entry = archivedSession();
      await instances[0].save(entry);
      expect(await instances[3].latest(entry.sessionId)).toEqual(entry);
    });

    it('fails fast when PostgreSQL is unreachable', async () => {
      const sut = open({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
      await expect(sut.init()).rejects.toThrow();
      await expect(sut.ping()).rejects.toThrow();
    });
  });

  describe('constructor', () => {
    it('rejects a schema name that is not a plain identifier', () => {
      expect(
        () => new PgArchiveRepository({ connectionString: TEST_DATABASE_URL, schema: 'x"; DROP' }),
      ).toThrow(/schema/);
    });
  });

  describe('save', () => {
    it('writes one row per generation, updated in place', async () => {
      const sut = open();
      await sut.init();
      const entry = archivedSession();
      await Promise.all([sut.save(entry), sut.save(entry), sut.save({ ...entry, reason: 'evicted' })]);
      const rows = await adminQuery<{ n: string }>(
        `SELECT count(*) AS n FROM "${schema}".archived_sessions WHERE session_id = '${entry.sessionId}'`,
      );
      expect(rows[0].n).toBe('1');
    });
  });

  describe('appendBatch', () => {
    it('is one transaction: a batch with an entry the table refuses stores none of it', async () => {
      const sut = open();
      await sut.init();
      const good = archivedSession();
      await expect(sut.appendBatch([good, archivedSession({ generation: -1 })])).rejects.toThrow();
      expect(await sut.latest(good.sessionId)).toBeNull();
    });
  });
});
