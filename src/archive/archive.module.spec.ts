import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/load-config';
import { archivedSession } from './archive.repository.contract';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from './archive.repository';
import { ArchiveModule } from './archive.module';
import { FileArchiveRepository } from './file-archive.repository';
import { PgArchiveRepository } from './pg-archive.repository';

// The start-up failure is logged on purpose; here it would only bury the test output.
const silent: LoggerService = { log: () => undefined, error: () => undefined, warn: () => undefined };

describe(ArchiveModule.name, () => {
  let dir: string;
  let app: INestApplicationContext | undefined;

  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'archive-module-test-'));
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<INestApplicationContext> {
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(loadConfig(env)), ArchiveModule],
    })
      .setLogger(silent)
      .compile();
    return moduleRef.init();
  }

  describe('without DATABASE_URL', () => {
    it('archives to files under ARCHIVE_DIR, created at start', async () => {
      const archiveDir = join(dir, 'archive');
      app = await start({ ARCHIVE_DIR: archiveDir });
      const sut = app.get<ArchiveRepository>(ARCHIVE_REPOSITORY);
      expect(sut).toBeInstanceOf(FileArchiveRepository);
      const entry = archivedSession();
      await sut.save(entry);
      expect(await sut.latest(entry.sessionId)).toEqual(entry);
      expect(await fs.readdir(archiveDir)).toHaveLength(1);
    });

    it('closes the repository at shutdown', async () => {
      app = await start({ ARCHIVE_DIR: dir });
      const close = jest.spyOn(app.get<ArchiveRepository>(ARCHIVE_REPOSITORY), 'close');
      await app.close();
      app = undefined;
      expect(close).toHaveBeenCalledTimes(1);
    });
  });

  describe('with DATABASE_URL', () => {
    it('fails start-up when PostgreSQL is unreachable', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          ConfigModule.forRoot(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' })),
          ArchiveModule,
        ],
      })
        .setLogger(silent)
        .compile();
      expect(moduleRef.get(ARCHIVE_REPOSITORY)).toBeInstanceOf(PgArchiveRepository);
      await expect(moduleRef.init()).rejects.toThrow(/Archive PostgreSQL 127\.0\.0\.1:1\/test is unusable/);
    });
  });
});
