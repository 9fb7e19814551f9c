import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAdminAuth, ApiErrorResponses } from '../common/api-docs';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BroadcastAnswerDto, BroadcastDto, ProactiveTriggers } from '../proactive';
import { AdminGuard } from './admin.guard';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/broadcast')
export class AdminBroadcastController {
  constructor(private readonly triggers: ProactiveTriggers) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a broadcast message to every live session, or to those last seen within a circle',
  })
  @ApiAcceptedResponse({ type: BroadcastAnswerDto })
  @ApiErrorResponses(400, 413, 503)
  async broadcast(@Body() body: BroadcastDto): Promise<BroadcastAnswerDto> {
    return { queued: await this.triggers.broadcast(body.text, body.near) };
  }
}
