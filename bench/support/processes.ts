import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Every process the suite starts, so that exit, Ctrl-C or a crash ends them all (by their own pid). */
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) {
    // Each child leads its own process group (detached): the group goes, grandchildren included.
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`);
  killAll();
  process.exit(1);
});

export const BENCH_TMP = join(process.cwd(), 'test', 'artifacts', 'bench');
mkdirSync(BENCH_TMP, { recursive: true });

export interface Started {
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts `command args` in a process group of its own, stdout and stderr appended to a log file under
 * test/artifacts/bench, with an IPC channel when `ipc` (the memory probe and the client processes use it).
 * `fdLimit` raises the open-files limit of the process first (a shell `ulimit -n`, else to the hard limit).
 */
export function start(
  name: string,
  command: string,
  args: string[],
  options: { env?: Record<string, string>; ipc?: boolean; fdLimit?: number } = {},
): Started {
  const logFile = join(BENCH_TMP, `${name}.log`);
  const log = openSync(logFile, 'w');
  const stdio: SpawnOptions['stdio'] = options.ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log];
  const shellQuote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const [file, argv] = options.fdLimit
    ? [
        'bash',
        [
          '-c',
          `ulimit -n ${options.fdLimit} 2>/dev/null || ulimit -n $(ulimit -Hn); exec ${[command, ...args].map(shellQuote).join(' ')}`,
        ],
      ]
    : [command, args];
  const child = spawn(file, argv, {
    env: { ...process.env, ...options.env },
    stdio,
    detached: true,
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 12_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, logFile, stop };
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true; throws after `timeoutMs` naming `what`. */
export async function until(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 50,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Resolves once GET `url` answers 200. */
export function untilHttpOk(url: string, timeoutMs = 60_000): Promise<void> {
  return until(url, async () => (await fetch(url)).ok, timeoutMs, 100);
}

/** Resolves once `url` answers at all (any status): the server listens. */
export function untilListening(url: string, timeoutMs = 60_000): Promise<void> {
  return until(url, async () => Boolean(await fetch(url)), timeoutMs, 100);
}
