import { join } from 'node:path';
import { freePort, start, untilListening } from './processes';

export interface Baseline {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts bench/baselines/nest-app.ts as its own process in the given mode. */
export async function startNestBaseline(
  mode: 'hello' | 'session' | 'two-trips',
  env: Record<string, string> = {},
): Promise<Baseline> {
  const port = await freePort();
  const script = join(__dirname, '..', 'baselines', 'nest-app.ts');
  const started = start(
    `baseline-${mode}${env.MAX_TURNS ?? ''}`,
    'node',
    ['-r', 'ts-node/register/transpile-only', script],
    {
      env: { NODE_ENV: 'production', PORT: String(port), BASELINE: mode, ...env },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await untilListening(url);
  return { url, pid: started.child.pid!, stop: started.stop };
}

/** Opens `count` connect-redis sessions with `turns` history entries each; returns their cookies. */
export async function seedCookies(url: string, count: number, turns: number): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ turns }),
    });
    const cookie = response.headers.get('set-cookie')?.split(';')[0];
    if (!response.ok || !cookie) throw new Error(`baseline seed failed: ${response.status}`);
    cookies.push(cookie);
  }
  return cookies;
}
