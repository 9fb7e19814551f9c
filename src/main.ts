import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigError } from './config/config.error';
import { loadConfigFromProcess } from './config/load-config';

/** In-flight requests get this long after SIGTERM (API.md: ≤10 s), then the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfigFromProcess();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', msg: error.message, variable: error.variable })}\n`,
    );
    process.exit(1);
  }
  const app = await NestFactory.create(AppModule.register(config), {
    bodyParser: false,
    bufferLogs: true,
    forceCloseConnections: true,
  });
  configureApp(app, config);
  // Our own handler rather than enableShutdownHooks: Nest re-raises the signal after closing, which
  // would end the process with 143 instead of 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
      // Stop accepting first: Nest closes the listener only after the shutdown hooks, and the embedded
      // store's shutdown archival must not miss a session created meanwhile.
      (app.getHttpServer() as Server).close();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(
            `${JSON.stringify({ level: 'error', msg: 'shutdown failed', err: String(error) })}\n`,
          );
          process.exit(1);
        },
      );
    });
  }
  await app.listen(config.port);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'start-up failed', err: String(error) })}\n`);
  process.exit(1);
});
