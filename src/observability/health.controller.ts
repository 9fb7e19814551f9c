import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive/archive.repository';
import { SESSION_REPOSITORY, SessionRepository } from '../sessions/session.repository';
import { withinTimeout } from './within-timeout';

const PING_TIMEOUT_MS = 1000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository,
  ) {}

  /** 200 while the process runs. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** 200 when the store and the archive answer, else 503. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.ping('store', this.sessions.ping()),
      () => this.ping('archive', this.archive.ping()),
    ]);
  }

  private async ping(key: string, check: Promise<void>) {
    const indicator = this.indicators.check(key);
    try {
      await withinTimeout(check, PING_TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
