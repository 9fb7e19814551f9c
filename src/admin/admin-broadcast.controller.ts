import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { BroadcastDto } from '../proactive/proactive.dto';
import { ProactiveTriggers } from '../proactive/proactive-triggers.service';
import { AdminGuard } from './admin.guard';

@ApiTags('admin')
@ApiBearerAuth()
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
