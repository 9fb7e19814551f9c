import { ChildProcess } from 'node:child_process';

export interface MemoryReading {
  heapUsed: number;
  rss: number;
}

/** Asks a process started with bench/clients/memory-probe.js for its memory after a forced GC. */
export function probeOf(child: ChildProcess) {
  return {
    read: () =>
      new Promise<MemoryReading>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('memory probe did not answer')), 30_000);
        const onMessage = (message: { memory?: MemoryReading & { gc: boolean } }) => {
          if (!message.memory) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          if (!message.memory.gc) reject(new Error('the probed process runs without --expose-gc'));
          else resolve({ heapUsed: message.memory.heapUsed, rss: message.memory.rss });
        };
        child.on('message', onMessage);
        child.send('memory');
      }),
  };
}
