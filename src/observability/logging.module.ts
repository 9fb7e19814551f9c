import { DynamicModule, Global, MiddlewareConsumer, Module, NestModule, Inject } from '@nestjs/common';
import type pino from 'pino';
import { AppConfig } from '../config/app-config';
import { accessLog } from './access-log';
import { AppLogger } from './app-logger';
import { createRootLogger } from './root-logger';

/** The root pino logger, for what logs outside Nest's logger (the access lines). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Logging: the root pino logger, Nest's logger on it (AppLogger, installed by configureApp) and the
 * access line of every request.
 */
@Global()
@Module({})
export class LoggingModule implements NestModule {
  constructor(@Inject(ROOT_LOGGER) private readonly root: pino.Logger) {}

  static forRoot(config: AppConfig): DynamicModule {
    const root = createRootLogger(config);
    return {
      module: LoggingModule,
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        { provide: AppLogger, useValue: new AppLogger(root) },
      ],
      exports: [AppLogger, ROOT_LOGGER],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(accessLog(this.root)).forRoutes('*path');
  }
}
