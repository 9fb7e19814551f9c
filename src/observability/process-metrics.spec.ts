import { openSync, closeSync } from 'node:fs';
import { Registry } from 'prom-client';
import { collectProcessMetrics } from './process-metrics';

const valueOf = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe(collectProcessMetrics.name, () => {
  it('keeps the process and Node metrics, without the per-handle lists', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry);
    const text = await registry.metrics();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_max_fds',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(valueOf(text, name)).toBeDefined();
    expect(text).not.toContain('nodejs_active_handles');
    expect(text).not.toContain('nodejs_active_resources');
  });

  it('counts open file descriptors (read asynchronously)', async () => {
    const registry = new Registry();
    collectProcessMetrics(registry);
    const before = valueOf(await registry.metrics(), 'process_open_fds')!;
    const opened = Array.from({ length: 20 }, () => openSync(__filename, 'r'));
    try {
      const during = valueOf(await registry.metrics(), 'process_open_fds')!;
      // Exactly 20 more, give or take a descriptor the test runner itself opens meanwhile.
      expect(during).toBeGreaterThanOrEqual(before + 20);
      expect(during).toBeLessThanOrEqual(before + 22);
    } finally {
      for (const fd of opened) closeSync(fd);
    }
    expect(before).toBeGreaterThan(0);
  });
});
