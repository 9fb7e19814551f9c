import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ARCHIVE_REPOSITORY, ArchiveRepository, decodeArchiveCursor, encodeArchiveCursor } from '../archive';
import { ApiAdminAuth, ApiErrorResponses } from '../common/api-docs';
import { ApiError } from '../common/api-error';
import { ArchiveListDto, ArchiveListQueryDto } from './admin-ops.dto';
import { AdminGuard } from './admin.guard';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/archive')
export class AdminArchiveController {
  constructor(@Inject(ARCHIVE_REPOSITORY) private readonly archive: ArchiveRepository) {}

  @Get()
  @ApiOperation({
    summary: 'Ended sessions in the archive (PostgreSQL or files), most recently ended first',
    description: 'Each archived generation is one entry; a reset archives the conversation it cleared.',
  })
  @ApiOkResponse({ type: ArchiveListDto })
  @ApiErrorResponses(400)
  async list(@Query() query: ArchiveListQueryDto): Promise<ArchiveListDto> {
    const after = query.cursor === undefined ? null : decodeArchiveCursor(query.cursor);
    if (query.cursor !== undefined && after === null) {
      throw new ApiError('VALIDATION_FAILED', 'cursor must be a nextCursor value', [
        { field: 'cursor', message: 'cursor must be a nextCursor value' },
      ]);
    }
    const page = await this.archive.recent(query.limit ?? 50, after);
    return { sessions: page.entries, nextCursor: page.next ? encodeArchiveCursor(page.next) : null };
  }
}
