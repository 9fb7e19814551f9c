import { Logger } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive';
import { CLOCK } from '../common/clock';
import { CommonModule } from '../common/common.module';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/load-config';
import { LEASE, Lease } from '../lease';
import { SessionModule, SessionService } from '../sessions';
import { CleanupModule } from './cleanup.module';

export const T0 = 1_700_000_000_000;
export const IDLE_TTL_MS = 60_000;
export const CLIENT = { ip: '10.0.0.1', userAgent: 'jest' };

/**
 * For the cleanup specs: the sessions and cleanup modules as the app wires them in embedded mode (the
 * in-process store and lease, the file archive in a folder of its own) on a clock the test moves.
 */
export async function embeddedCleanup(env: Record<string, string> = {}) {
  Logger.overrideLogger(false);
  const dir = await fs.mkdtemp(join(tmpdir(), 'cleanup-'));
  const archiveDir = join(dir, 'archive');
  const config = loadConfig({
    ARCHIVE_DIR: archiveDir,
    SESSION_IDLE_TTL_SECONDS: String(IDLE_TTL_MS / 1000),
    ...env,
  });
  const clock = { at: T0, now: () => clock.at };
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      CommonModule,
      EventEmitterModule.forRoot(),
      ScheduleModule.forRoot(),
      SessionModule,
      CleanupModule,
    ],
  })
    .overrideProvider(CLOCK)
    .useValue(clock)
    .compile();
  moduleRef.useLogger(false); // failures the cases provoke are logged; the output stays readable
  await moduleRef.init();
  return {
    moduleRef,
    sessions: moduleRef.get(SessionService),
    archive: moduleRef.get<ArchiveRepository>(ARCHIVE_REPOSITORY),
    lease: moduleRef.get<Lease>(LEASE),
    clock,
    /** Makes every archive write fail (its folder replaced by a file), or work again. */
    breakArchive: async (broken: boolean) => {
      await fs.rm(archiveDir, { recursive: true, force: true });
      await (broken ? fs.writeFile(archiveDir, 'not a folder') : fs.mkdir(archiveDir));
    },
    close: async () => {
      await moduleRef.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export type EmbeddedCleanup = Awaited<ReturnType<typeof embeddedCleanup>>;
