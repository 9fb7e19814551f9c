import { Global, Module } from '@nestjs/common';
import type pino from 'pino';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AppLogger } from './app-logger';
import { createRootLogger } from './root-logger';

/** The root pino logger, for what logs outside Nest's logger (the access lines). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Logging: the root pino logger, and Nest's logger on it (AppLogger, installed by configureApp). The
 * access line of every request is HttpRequestObserver's.
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
export class LoggingModule {}
