import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { start } from './processes';

/**
 * A bench client process (bench/NAME.ts under ts-node, e.g. 'clients/load') spoken to over IPC: each call sends one
 * message `{id, ...payload}` and resolves with the answer carrying the same id.
 */
export class ChildRpc {
  private next = 0;
  readonly child: ChildProcess;
  readonly stop: () => Promise<void>;

  constructor(name: string, options: { fdLimit?: number; env?: Record<string, string> } = {}) {
    const script = join(__dirname, '..', `${name}.ts`);
    const started = start(name.replace('/', '-'), 'node', ['-r', 'ts-node/register/transpile-only', script], {
      ipc: true,
      ...options,
    });
    this.child = started.child;
    this.stop = started.stop;
  }

  call<T>(payload: object, timeoutMs = 600_000): Promise<T> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`client call ${JSON.stringify(payload).slice(0, 80)} timed out`)),
        timeoutMs,
      );
      const onExit = () => reject(new Error('client process exited'));
      const onMessage = (message: { id: number; result?: T; error?: string }) => {
        if (message.id !== id) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (message.error !== undefined) reject(new Error(message.error));
        else resolve(message.result as T);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ id, ...payload });
    });
  }
}
