import { Global, Inject, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type pino from 'pino';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
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
@Module({
  providers: [
    {
      provide: ROOT_LOGGER,
      useFactory: (config: AppConfig) => createRootLogger(config),
      inject: [APP_CONFIG],
    },
    { provide: AppLogger, useFactory: (root: pino.Logger) => new AppLogger(root), inject: [ROOT_LOGGER] },
  ],
  exports: [AppLogger, ROOT_LOGGER],
})
export class LoggingModule implements NestModule {
  constructor(@Inject(ROOT_LOGGER) private readonly root: pino.Logger) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(accessLog(this.root)).forRoutes('*path');
  }
}
