import { Inject, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from './archive.repository';
import { FileArchiveRepository } from './file-archive.repository';
import { PgArchiveRepository } from './pg-archive.repository';

/** PostgreSQL when DATABASE_URL is set, else JSON-lines files under ARCHIVE_DIR (API.md). */
export function createArchiveRepository(config: AppConfig): ArchiveRepository {
  return config.databaseUrl
    ? new PgArchiveRepository({ connectionString: config.databaseUrl })
    : new FileArchiveRepository({ dir: config.archiveDir });
}

/**
 * Provides ARCHIVE_REPOSITORY to the modules that import it (sessions archive, cleanup restores, admin
 * lists, health pings). Tests may override the provider (e.g. a
 * PgArchiveRepository on a schema of their own); this module still runs its init() and close().
 */
@Module({
  providers: [{ provide: ARCHIVE_REPOSITORY, inject: [APP_CONFIG], useFactory: createArchiveRepository }],
  exports: [ARCHIVE_REPOSITORY],
})
export class ArchiveModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Archive');

  constructor(
    @Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const target = this.describeTarget();
    try {
      await this.archive.init();
    } catch (error) {
      // Ended sessions would be lost silently, so a configured but broken archive stops start-up.
      const reason = (error as { message?: string } | null)?.message ?? String(error);
      this.logger.error(`archive ${target} is unusable (unreachable, or migrations failed): ${reason}`);
      await this.archive.close().catch(() => undefined);
      throw new Error(`Archive ${target} is unusable: ${reason}`, { cause: error });
    }
    this.logger.log(`ended sessions are archived to ${target}`);
  }

  /**
   * The last shutdown phase: whoever archives live sessions at shutdown must do it earlier
   * (onModuleDestroy or beforeApplicationShutdown), while the archive is still open.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.archive.close();
  }

  /** Where the archive goes, without the credentials a DATABASE_URL may carry. */
  private describeTarget(): string {
    if (!this.config.databaseUrl) return `files under ${this.config.archiveDir}`;
    const url = new URL(this.config.databaseUrl);
    return `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  }
}
