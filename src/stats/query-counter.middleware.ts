import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { StatsService } from './stats.service';

/**
 * Counts /v1/query and /v1/query/stream requests into `queriesLastMinute` once answered: those
 * rejected before the model is asked (bad input 4xx, rate limit 429) are not queries. Kept outside
 * the query module so neither knows of the other.
 */
@Injectable()
export class QueryCounterMiddleware implements NestMiddleware {
  constructor(private readonly stats: StatsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    if (request.method === 'POST') {
      response.once('finish', () => {
        if (response.statusCode < 400 || response.statusCode >= 500) this.stats.recordQuery();
      });
    }
    next();
  }
}
