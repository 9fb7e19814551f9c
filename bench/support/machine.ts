import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  loadAtStart: string;
  /** The 1-minute load average above the core count: other work competes for the CPUs. */
  busy: boolean;
}

/** What the figures were measured on (the Redis version is added once the suite's Redis runs). */
export async function machineFacts(): Promise<MachineFacts> {
  // A moment's pause: the load average of the machine, not of the suite starting up.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    busy: loadavg()[0] > cpus().length,
    loadAtStart: loadavg()
      .map((value) => value.toFixed(2))
      .join(' / '),
  };
}
