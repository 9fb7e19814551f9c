import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './common/openapi-document';
import { loadConfig } from './config/load-config';

/**
 * `node dist/openapi.cli.js`: prints the OpenAPI document as JSON on stdout and exits 0. It boots the
 * AppModule on the embedded store with defaults only (the environment is ignored, so the document is
 * the same on every machine), opens no port, starts nothing and connects to nothing.
 */
async function printDocument(): Promise<void> {
  const archiveDir = mkdtempSync(join(tmpdir(), 'tg-openapi-'));
  try {
    const config = loadConfig({ LOG_LEVEL: 'silent', ARCHIVE_DIR: archiveDir, AI_PROVIDER: 'offline' });
    // No init(): lifecycle hooks (store, archive, schedules, queues) never run; the decorators are enough.
    const app = await NestFactory.create(AppModule.register(config), { logger: false, abortOnError: false });
    const document = buildOpenApiDocument(app);
    // Exit only once stdout has taken every byte: a pipe holds 64 KiB, the document is bigger.
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  } finally {
    rmSync(archiveDir, { recursive: true, force: true });
  }
}

printDocument().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `openapi: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
