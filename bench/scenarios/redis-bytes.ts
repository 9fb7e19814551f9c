import { Redis } from 'ioredis';
import { seedCookies, startNestBaseline } from '../support/baselines';
import { BenchContext, ScenarioResult } from '../support/context';
import { startFakeModel } from '../support/fake-model';
import { createSession, inParallel, query } from '../support/http';
import { runPrefix, scanPrefix, usedMemory, withRedis } from '../support/redis';
import { serviceEnv, startService } from '../support/service';
import { fmt } from '../support/stats';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const TEXT_60 = 'What is carved on the marble ramp between the two staircases?';
const ANSWER_60 = 'Nine dragons playing with pearls among clouds, carved in 1761.';

/** MEMORY USAGE (every element: SAMPLES 0) of the keys under `prefix`: those naming a session id, and the rest. */
async function keyBytes(redis: Redis, prefix: string) {
  const perSession = new Map<string, number>();
  let shared = 0;
  await scanPrefix(redis, prefix, async (keys) => {
    const sizes = await Promise.all(keys.map((key) => redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')));
    keys.forEach((key, i) => {
      const id = UUID.exec(key)?.[0];
      const size = Number(sizes[i] ?? 0);
      if (id) perSession.set(id, (perSession.get(id) ?? 0) + size);
      else shared += size;
    });
  });
  return { perSession, shared };
}

/**
 * Redis bytes per session with 10 history entries of 60 characters, made through the API (a session,
 * then five queries answered by a fake model with 60-character answers), against connect-redis holding
 * the same 10 turns.
 */
export async function redisBytes(ctx: BenchContext): Promise<ScenarioResult> {
  const count = ctx.sizes.bytesSessions;
  const model = await startFakeModel(ANSWER_60);
  const env = serviceEnv('bytes', ctx.redisUrl, {
    AI_PROVIDER: 'openai',
    OPENAI_API_KEY: 'bench',
    OPENAI_BASE_URL: model.baseUrl,
  });
  const service = await startService('bytes', env);
  const prefix = env.REDIS_KEY_PREFIX;
  try {
    const before = await withRedis(ctx.redisUrl, async (redis) => ({
      used: await usedMemory(redis),
      keys: await keyBytes(redis, prefix),
    }));
    await inParallel(Array.from({ length: count }), 20, async () => {
      const id = await createSession(service.url);
      for (let i = 0; i < 5; i++) await query(service.url, id, TEXT_60);
    });
    const after = await withRedis(ctx.redisUrl, async (redis) => ({
      used: await usedMemory(redis),
      keys: await keyBytes(redis, prefix),
    }));
    const sessionKeys = [...after.keys.perSession.values()];
    const keysPerSession = sessionKeys.reduce((a, b) => a + b, 0) / sessionKeys.length;
    const sharedPerSession = (after.keys.shared - before.keys.shared) / count;
    const bytesPerSession = keysPerSession + sharedPerSession;
    const usedPerSession = (after.used - before.used) / count;
    const connectRedis = await connectRedisBytes(ctx.redisUrl);
    return {
      title: 'Redis bytes per session',
      method: `${count} sessions made through the API: \`POST /v1/sessions\`, then five \`POST /v1/query\` with a 60-character question, answered by a fake OpenAI-compatible model with a 60-character answer (so 10 history entries of 60 characters). Measured with \`MEMORY USAGE key SAMPLES 0\` (every element counted) over every key under the instance's prefix: keys naming a session id are that session's; the growth of the other keys (the activity index and any other shared structure) is divided by the number of sessions. The \`used_memory\` delta per session is shown as a cross-check (it includes allocator and dictionary overhead). connect-redis: 50 sessions seeded with the same 10 turns, \`MEMORY USAGE\` of each session key.`,
      table: [
        ['what', 'bytes per session'],
        ['keys of the session (MEMORY USAGE)', fmt(keysPerSession, 0)],
        ["shared keys' growth (index entries …) ÷ sessions", fmt(sharedPerSession, 0)],
        ["**total (the goal's figure)**", `**${fmt(bytesPerSession, 0)}**`],
        ['used_memory delta ÷ sessions (cross-check)', fmt(usedPerSession, 0)],
        ['express-session + connect-redis, same 10 turns', fmt(connectRedis, 0)],
      ],
      figures: { bytesPerSession, usedPerSession, connectRedisBytes: connectRedis },
    };
  } finally {
    await service.stop();
    await model.close();
  }
}

async function connectRedisBytes(redisUrl: string): Promise<number> {
  const prefix = runPrefix('crbytes');
  const baseline = await startNestBaseline('session', {
    REDIS_URL: redisUrl,
    KEY_PREFIX: prefix,
    MAX_TURNS: '10',
  });
  try {
    await seedCookies(baseline.url, 50, 10);
    return await withRedis(redisUrl, async (redis) => {
      let total = 0;
      const keys = await scanPrefix(redis, prefix, async (batch) => {
        for (const key of batch) total += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      });
      return total / keys;
    });
  } finally {
    await baseline.stop();
  }
}
