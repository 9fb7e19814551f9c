import { execFileSync } from 'node:child_process';
import { runPrefix } from './redis';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_TMP, freePort, start, untilHttpOk } from './processes';
import { MemoryReading, probeOf } from './memory-probe-client';

/** The service as production runs it: the compiled build (`npm run build`), one process per instance. */
export const SERVICE_ENTRY = 'dist/main.js';
export const ADMIN_TOKEN = 'bench-admin-token';
export const BENCH_POI_FILE = join(__dirname, 'pois.json');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds when dist/ is missing or older than src/; returns whether it did. */
export function ensureBuilt(): boolean {
  if (existsSync(SERVICE_ENTRY) && statSync(SERVICE_ENTRY).mtimeMs >= newestMtime('src')) return false;
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
  return true;
}

export interface Service {
  url: string;
  /** The node process (started through `exec`, so the shell's pid is node's). */
  pid: number;
  env: Record<string, string>;
  logFile: string;
  archiveDir: string;
  /** Heap used and RSS after a forced GC in the service process. */
  memory(): Promise<MemoryReading>;
  stop(): Promise<void>;
}

/**
 * The environment of one bench instance: its own key prefix under `bench:`, its own archive folder, the
 * offline model, the bench POI file; proactive timers and the rate limit out of the way unless a
 * scenario sets them. `overrides` win.
 */
export function serviceEnv(name: string, redisUrl: string, overrides: Record<string, string> = {}) {
  return {
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: runPrefix(name),
    ARCHIVE_DIR: mkdtempSync(join(BENCH_TMP, `archive-${name}-`)),
    ADMIN_TOKEN,
    AI_PROVIDER: 'offline',
    POI_FILE: BENCH_POI_FILE,
    MAX_SESSIONS: '100000000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    PROACTIVE_GREETING_DELAY_SECONDS: '-1',
    PROACTIVE_IDLE_TIP_SECONDS: '-1',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** Spawns one instance (`node dist/main.js`, GC exposed for the memory probe) and waits until it is live. */
export async function startService(name: string, env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const fullEnv = { ...env, PORT: String(port) };
  const probe = join(__dirname, '..', 'clients', 'memory-probe.js');
  // BENCH_SERVICE_NODE_ARGS: extra node flags for every instance, e.g. "--cpu-prof --cpu-prof-dir=DIR".
  const extra = (globalThis.process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const process = start(`service-${name}`, 'node', ['--expose-gc', ...extra, '-r', probe, SERVICE_ENTRY], {
    env: fullEnv,
    ipc: true,
    fdLimit: 65536,
  });
  const url = `http://127.0.0.1:${port}`;
  await untilHttpOk(`${url}/health/ready`);
  return {
    url,
    pid: process.child.pid!,
    env: fullEnv,
    logFile: process.logFile,
    archiveDir: env.ARCHIVE_DIR,
    memory: () => probeOf(process.child).read(),
    stop: process.stop,
  };
}
