/**
 * Baselines on the service's own HTTP stack (NestJS 11 on the express adapter, JSON body parsing):
 *  - BASELINE=hello: `POST /hello` answers a small JSON; the ceiling any route of this stack can reach.
 *  - BASELINE=session: express-session with connect-redis 9, `POST /history` appends a user and an
 *    assistant turn to the session's history array (kept to MAX_TURNS), the classic "whole blob read
 *    and rewritten per request" design DESIGN.md contrasts with. `POST /seed` starts a session with
 *    `{"turns": n}` entries of ~60 characters and returns its cookie.
 *  - BASELINE=two-trips: `POST /hello` answers after two sequential EVAL round trips to Redis with raw
 *    ioredis (a one-line script storing and echoing the question): the floor of a route that, like POST /v1/query,
 *    must go to the store once before the model call and once after, on this machine.
 * Run as its own process: PORT, BASELINE, and for `session` and `two-trips` REDIS_URL, KEY_PREFIX, MAX_TURNS.
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import Redis from 'ioredis';
import { createClient } from 'redis';

interface Turn {
  role: 'user' | 'assistant';
  text: string;
  createdAt: number;
}
type SessionRequest = { session: session.Session & { history?: Turn[] } };

const maxTurns = Number(process.env.MAX_TURNS ?? 200);
const turnText = (role: string, i: number) => `${role} ${i} `.padEnd(60, 'abcdefghij');
const ECHO = "redis.call('SET', KEYS[1], ARGV[1], 'EX', 60) return ARGV[1]";
const store = process.env.BASELINE === 'two-trips' ? new Redis(process.env.REDIS_URL ?? '') : null;

@Controller()
class BaselineController {
  @Post('hello')
  @HttpCode(200)
  async hello(@Body() body: { text?: string }) {
    if (store) {
      const key = `${process.env.KEY_PREFIX ?? 'bench:two-trips:'}k`;
      await store.eval(ECHO, 1, key, body.text ?? '');
      await store.eval(ECHO, 1, key, body.text ?? '');
    }
    return { hello: 'world' };
  }

  @Post('history')
  @HttpCode(200)
  append(@Req() request: SessionRequest, @Body() body: { text?: string }) {
    const history = request.session.history ?? [];
    const now = Date.now();
    history.push({ role: 'user', text: body.text ?? '', createdAt: now });
    history.push({ role: 'assistant', text: turnText('guide', history.length), createdAt: now });
    request.session.history = history.slice(-maxTurns);
    return { turns: request.session.history.length };
  }

  @Post('seed')
  @HttpCode(200)
  seed(@Req() request: SessionRequest, @Body() body: { turns: number }) {
    request.session.history = Array.from({ length: body.turns }, (_, i) => ({
      role: i % 2 ? ('assistant' as const) : ('user' as const),
      text: turnText(i % 2 ? 'guide' : 'user', i),
      createdAt: Date.now(),
    }));
    return { sessionId: request.session.id };
  }
}

@Module({ controllers: [BaselineController] })
class BaselineModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(BaselineModule, { logger: ['error'] });
  if (process.env.BASELINE === 'session') {
    const client = createClient({ url: process.env.REDIS_URL });
    await client.connect();
    app.use(
      session({
        store: new RedisStore({ client, prefix: process.env.KEY_PREFIX, ttl: 14_400 }),
        secret: 'bench-baseline',
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge: 14_400_000 },
      }),
    );
  }
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
