import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** Where a started process's output goes: the caller's terminal, or kept (its tail) for error messages. */
export type Output = 'inherit' | 'capture';

const OUTPUT_TAIL_CHARS = 8_000;
const running = new Set<ChildProcess>();

// Whatever ends this process (an uncaught error included), nothing it started outlives it.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A child process of the cluster: its own process group (Ctrl-C reaches only the cluster script). */
export class ManagedProcess {
  readonly exited: Promise<number | null>;
  private tail = '';

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        running.delete(child);
        resolve(code);
      }),
    );
    const keep = (chunk: Buffer) => (this.tail = (this.tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static start(name: string, command: string, args: string[], options: SpawnOptions & { output: Output }) {
    const stdio: SpawnOptions['stdio'] =
      options.output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : 'pipe';
    const child = spawn(command, args, { ...options, stdio, detached: true });
    child.on('error', () => undefined); // a missing binary shows as an exit; `exited` reports it
    return new ManagedProcess(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it printed (output: 'capture'). */
  get output(): string {
    return this.tail;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal`, then SIGKILL if it has not exited within `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<number | null> {
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Polls `probe` until it is true; fails early when `process` exits meanwhile. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs?: number; process?: ManagedProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (await probe().catch(() => false)) return;
    const failed = options.process && !options.process.running;
    if (failed || Date.now() > deadline) {
      const why = failed ? `${options.process!.name} exited` : 'timed out';
      const output = options.process?.output ? `\n${options.process.output}` : '';
      throw new Error(`${why} waiting for ${what}${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True when GET `url` answers 200. */
export async function answersOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
  return response.status === 200;
}

/** True when a Redis server on 127.0.0.1:`port` answers PING. */
export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(2_000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.end();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port nobody listens on, for a server started by us (redis-server, nginx, the built service); with
 * `withBusPort`, port + 10000 too (a Redis Cluster node's bus).
 */
export async function freePort(withBusPort = false): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (!withBusPort || (await isFree(port + 10_000)))) return port;
  }
  throw new Error('no free port found');
}
