import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/api-docs';
import { HealthLiveDto, HealthReadyDto } from './health.dto';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../archive';
import { SessionStoreStatus } from '../sessions';
import { withinTimeout } from './within-timeout';

const PING_TIMEOUT_MS = 1000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly sessions: SessionStoreStatus,
    @Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process runs' })
  @ApiOkResponse({ type: HealthLiveDto })
  live(): HealthLiveDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 when the store and the archive answer' })
  @ApiOkResponse({ type: HealthReadyDto })
  @ApiErrorResponses([503, '`STORE_UNAVAILABLE`: the store or the archive does not answer'])
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
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
