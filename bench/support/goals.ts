import { Sizes } from './context';
import { fmt, KiB, MiB, Spread } from './stats';

/** One goal of issue 12's table: which figure, how it is judged, how it is shown. */
export interface Goal {
  figure: string;
  goal: string;
  key: string;
  pass(value: number): boolean;
  show(value: number): string;
}

const ratio = (v: number) => `${fmt(v, 2)}×`;
const ms = (v: number) => `${fmt(v, 0)} ms`;

/** The goals; a target that depends on a population size is scaled with it when the run's differs (quick). */
export function goals(sizes: Sizes): Goal[] {
  const scaled = (full: number, actual: number) => (actual !== full ? ` (this run: ${fmt(actual, 0)})` : '');
  const sweepTargetS = (20 * sizes.sweepSessions) / 100_000;
  return [
    {
      figure: 'POST /v1/query req/s ÷ NestJS express hello req/s',
      goal: '≥ 0.6',
      key: 'queryVsHello',
      pass: (v) => v >= 0.6,
      show: ratio,
    },
    {
      figure: `the same with ${sizes.historyLong} turns of history ÷ with ${sizes.historyShort}`,
      goal: '≥ 0.9',
      key: 'longVsShort',
      pass: (v) => v >= 0.9,
      show: ratio,
    },
    {
      figure: 'Redis bytes per session, 10 turns of 60 characters (every key and index entry)',
      goal: '≤ 1,600 B',
      key: 'bytesPerSession',
      pass: (v) => v <= 1600,
      show: (v) => `${fmt(v, 0)} B`,
    },
    {
      figure: `process heap after forced GC, 10 → 100,000 live sessions${scaled(100_000, sizes.heapSessions)}`,
      goal: '< +2 MiB',
      key: 'heapGrowth',
      pass: (v) => v < 2 * MiB,
      show: (v) => `${v >= 0 ? '+' : ''}${fmt(v / MiB, 2)} MiB`,
    },
    {
      figure: `open SSE streams on one instance${scaled(10_000, sizes.streams)}`,
      goal: `${fmt(sizes.streams, 0)}`,
      key: 'streamsOpen',
      pass: (v) => v >= sizes.streams,
      show: (v) => fmt(v, 0),
    },
    {
      figure: 'memory per open idle stream, RSS',
      goal: '≤ 8 KiB',
      key: 'rssPerStream',
      pass: (v) => v <= 8 * KiB,
      show: (v) => `${fmt(v / KiB, 1)} KiB`,
    },
    {
      figure: `broadcast to every open stream, send → received, p99, at 10,000${scaled(10_000, sizes.streams)}`,
      goal: '≤ 500 ms',
      key: 'broadcastP99',
      pass: (v) => v <= 500,
      show: ms,
    },
    {
      figure: 'location entering a POI → message on a waiting long-poll, p99, streams live',
      goal: '≤ 100 ms',
      key: 'poiP99',
      pass: (v) => v <= 100,
      show: ms,
    },
    {
      figure: `100,000 expired sessions archived (file) and removed${scaled(100_000, sizes.sweepSessions)}`,
      goal: `≤ ${fmt(sweepTargetS, 1)} s${sizes.sweepSessions !== 100_000 ? ' (20 s per 100,000)' : ''}`,
      key: 'sweepSeconds',
      pass: (v) => v <= sweepTargetS,
      show: (v) => `${fmt(v, 1)} s`,
    },
    {
      figure: 'query p99 during that sweep ÷ without it',
      goal: '≤ 1.5×',
      key: 'sweepP99Ratio',
      pass: (v) => v <= 1.5,
      show: ratio,
    },
    {
      figure: 'sweep rate under saturating new-session queries ÷ their creation rate',
      goal: '≥ 1',
      key: 'backlogRatio',
      pass: (v) => v >= 1,
      show: ratio,
    },
    {
      figure: `sweep time per tick, 1,000 due among 1,000,000 ÷ among 10,000 live${scaled(1_000_000, sizes.tickLargeLive)}`,
      goal: '< 1.5×',
      key: 'sweepTickRatio',
      pass: (v) => v < 1.5,
      show: ratio,
    },
    {
      figure: `idle-scan time per tick, 1,000 due among 1,000,000 ÷ among 10,000 live${scaled(1_000_000, sizes.tickLargeLive)}`,
      goal: '< 1.5×',
      key: 'scanTickRatio',
      pass: (v) => v < 1.5,
      show: ratio,
    },
    {
      figure: `broadcast to 10,000 sessions, messages/s ÷ raw BullMQ trivial jobs/s${scaled(10_000, sizes.streams)}`,
      goal: '≥ 0.5',
      key: 'broadcastVsBullmq',
      pass: (v) => v >= 0.5,
      show: ratio,
    },
  ];
}

export function valueOf(figure: Spread | number | undefined): number | undefined {
  if (figure === undefined) return undefined;
  return typeof figure === 'number' ? figure : figure.median;
}
