import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAdminAuth } from '../common/api-docs';
import { ApiAcceptedResponse, ApiTags } from '@nestjs/swagger';
import { BroadcastDto } from '../proactive/proactive.dto';
import { ProactiveTriggers } from '../proactive/proactive-triggers.service';
import { AdminGuard } from './admin.guard';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/broadcast')
export class AdminBroadcastController {
  constructor(private readonly triggers: ProactiveTriggers) {}

  @Post()
  @HttpCode(202)
  @ApiAcceptedResponse({ description: '{queued: n}: sessions the message was queued for' })
  async broadcast(@Body() body: BroadcastDto): Promise<{ queued: number }> {
    return { queued: await this.triggers.broadcast(body.text, body.near) };
  }
}
