import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Client } from '../common/client-info.decorator';
import { ClientInfo } from '../sessions/session.service';
import { QueryAnswerDto, QueryDto } from './query.dto';
import { QueryAnswer, QueryService } from './query.service';

@ApiTags('query')
@Controller('v1/query')
@UseGuards(ThrottlerGuard)
export class QueryController {
  constructor(private readonly queries: QueryService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: QueryAnswerDto })
  ask(@Body() body: QueryDto, @Client() client: ClientInfo): Promise<QueryAnswer> {
    return this.queries.ask(body, client);
  }
}
