import { readdir } from 'node:fs/promises';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * Default metrics whose collection walks every open handle or descriptor synchronously: with 10,000
 * open streams a scrape blocked the event loop for about 33 ms (the active handles and resources
 * listed and grouped, `/proc/self/fd` read). The handle and resource counts are dropped (nothing reads
 * them; `process_open_fds` tells the same story); the descriptor count is read off the loop.
 */
const BLOCKING_DEFAULTS = [
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'process_open_fds',
];

/** Node's and the process's metrics (prom-client's defaults), none of which blocks a scrape. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of BLOCKING_DEFAULTS) registry.removeSingleMetric(name);
  if (process.platform !== 'linux') return;
  new Gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers: [registry],
    async collect() {
      const fds = await readdir('/proc/self/fd').catch(() => null);
      // The directory's own descriptor, open while it is read, is not counted.
      if (fds) this.set(fds.length - 1);
    },
  });
}
