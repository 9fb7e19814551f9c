/** Share of the store's limit used as the high watermark when none is configured (API.md). */
export const DEFAULT_HIGH_SHARE = 0.9;
/** Eviction stops below this share of the high watermark (API.md). */
export const LOW_SHARE = 0.8;

export interface Watermarks {
  high: number;
  low: number;
}

/**
 * MEMORY_HIGH_WATERMARK_BYTES when configured, else 90 % of the store's limit (Redis `maxmemory`, or
 * the heap limit in embedded mode); null when there is neither (Redis without `maxmemory`): no
 * memory-pressure eviction then.
 */
export function watermarks(configuredHigh: number | null, limit: number | null): Watermarks | null {
  const high = configuredHigh ?? (limit === null ? null : Math.floor(limit * DEFAULT_HIGH_SHARE));
  if (high === null || high <= 0) return null;
  return { high, low: Math.floor(high * LOW_SHARE) };
}

/**
 * What the store uses now as best we know: the fresh measurement, or less when the sessions evicted so
 * far should have freed more than it shows (a heap only shrinks at the next GC, Redis may free lazily).
 * Without this the evictor would keep evicting until the measurement caught up.
 */
export function estimatedUsage(startUsed: number, freedBytes: number, measured: number): number {
  return Math.max(0, Math.min(measured, startUsed - freedBytes));
}
