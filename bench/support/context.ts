import { LoadGenerator } from './load';
import { Spread } from './stats';

/** Sizes of one run: the full one, or `--quick` (same scenarios, fewer rounds, smaller populations). */
export function sizesFor(quick: boolean) {
  return {
    throughputRounds: quick ? 2 : 7,
    throughputSeconds: quick ? 1 : 3,
    /** Load not counted right before each measured run: every target idles through the others' runs. */
    throughputRunWarmUpSeconds: quick ? 0.2 : 0.5,
    connections: 50,
    historyShort: 10,
    historyLong: 500,
    roundTripQueries: quick ? 50 : 300,
    bytesSessions: quick ? 100 : 1000,
    heapSessions: quick ? 3_000 : 100_000,
    streams: quick ? 2_000 : 10_000,
    broadcastRounds: quick ? 2 : 5,
    poiProbes: quick ? 30 : 100,
    sweepSessions: quick ? 3_000 : 100_000,
    sweepLoadRate: 200,
    sweepWindowSeconds: quick ? 1.5 : 3,
    sweepQuietWindows: quick ? 1 : 3,
    sweepWaitCapSeconds: quick ? 30 : 60,
    backlogSessions: quick ? 4_000 : 30_000,
    backlogWindows: quick ? 2 : 3,
    backlogWindowSeconds: quick ? 1.5 : 4,
    tickLargeLive: quick ? 50_000 : 1_000_000,
    tickSmallLive: 10_000,
    tickDue: 1_000,
    tickRounds: quick ? 1 : 3,
  };
}

export type Sizes = ReturnType<typeof sizesFor>;

export interface BenchContext {
  quick: boolean;
  sizes: Sizes;
  redisUrl: string;
  /** The suite's Redis server process, when the suite started it (its CPU time); else null. */
  redisPid: number | null;
  load: LoadGenerator;
  log(message: string): void;
}

/** What a scenario hands back: its section of BENCHMARKS.md and the figures the goals are judged on. */
export interface ScenarioResult {
  title: string;
  method: string;
  table: string[][];
  figures: Record<string, Spread | number>;
  notes?: string[];
}
