import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { drainAndClose } from './app.shutdown';
import { ConfigError } from './config/config.error';
import { loadConfigFromProcess } from './config/load-config';

/** In-flight requests get this long after SIGTERM; the modules then close within the rest of the 10 s. */
const DRAIN_DEADLINE_MS = 8_000;
/** API.md: ≤10 s from SIGTERM to exit, whatever happens. */
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
  });
  configureApp(app, config);
  // Our own handler rather than enableShutdownHooks: Nest re-raises the signal after closing, which
  // would end the process with 143 instead of 0. A signal sent to the whole process group arrives twice
  // under npm (directly and forwarded): the repeat is ignored rather than left to kill the process.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
      drainAndClose(app, DRAIN_DEADLINE_MS).then(
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
