import { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Server } from 'node:http';
import { APP_DRAINING } from './common/app-lifecycle.events';

/**
 * Graceful stop: stop accepting, let in-flight requests finish (waiting connections are released at
 * once), and only then close the modules (store, queues, archive), so a request still running never
 * finds its store gone. Connections still open at the deadline are cut.
 */
export async function drainAndClose(app: INestApplication, drainDeadlineMs: number): Promise<void> {
  const server = app.getHttpServer() as Server;
  const drained = new Promise<void>((resolve) => server.close(() => resolve()));
  app.get(EventEmitter2).emit(APP_DRAINING);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainDeadlineMs)));
  await Promise.race([drained, deadline]);
  clearTimeout(timer);
  server.closeAllConnections();
  await app.close();
}
