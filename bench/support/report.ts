import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioResult, sizesFor } from './context';
import { goals, valueOf } from './goals';
import { MachineFacts } from './machine';
import { fmt } from './stats';

export interface ReportInput {
  quick: boolean;
  machine: MachineFacts & { redisVersion: string };
  commit: string;
  built: boolean;
  durationS: number;
  results: ScenarioResult[];
  complete: boolean;
}

/** The suite's run before issue 12's work (bench/results/before.json), shown beside this run's figures. */
interface BeforeRun {
  commit: string;
  writtenAt: string;
  report: string;
  goals: Record<string, string>;
  roundTrips: { query: string; queryWithLocation: string };
}

/**
 * bench/results/FINDINGS.md, written by hand: what the profiles and counts found and what was changed,
 * with the figures of the runs it names; the tables after it are this run's.
 */
function findings(): string[] {
  const path = join(__dirname, '..', 'results', 'FINDINGS.md');
  if (!existsSync(path)) return [];
  return ['', ...readFileSync(path, 'utf8').trimEnd().split('\n')];
}

export function beforeRun(): BeforeRun {
  return JSON.parse(readFileSync(join(__dirname, '..', 'results', 'before.json'), 'utf8')) as BeforeRun;
}

const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

function table(rows: string[][]): string[] {
  const [head, ...body] = rows;
  return [row(head), row(head.map(() => '---')), ...body.map(row)];
}

/** BENCHMARKS.md: machine, method, the goals with PASS or MISS, then one section per scenario. */
export function renderReport(input: ReportInput): string {
  const { machine } = input;
  const figures = Object.assign({}, ...input.results.map((r) => r.figures)) as ScenarioResult['figures'];
  const label = process.env.BENCH_LABEL ? ` (${process.env.BENCH_LABEL})` : '';
  const before = beforeRun();
  const goalRows = goals(sizesFor(input.quick)).map((goal) => {
    const value = valueOf(figures[goal.key]);
    const was = before.goals[goal.key] ?? '–';
    if (value === undefined || Number.isNaN(value)) return [goal.figure, goal.goal, was, 'not measured', '–'];
    return [goal.figure, goal.goal, was, goal.show(value), goal.pass(value) ? 'PASS' : 'MISS'];
  });
  const lines = [
    `# Benchmarks${label}`,
    '',
    `Written by \`npm run bench${input.quick ? ' -- --quick' : ''}\` at commit ${input.commit} on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${fmt(input.durationS, 0)} s.`,
    machine.busy
      ? `**Measured on a busy machine**: load average at start ${machine.loadAtStart} on ${machine.cores} cores (other work shared the CPUs throughout), so absolute figures are noisy;`
      : `Load average at start ${machine.loadAtStart} on ${machine.cores} cores (a shared machine: absolute figures vary from run to run);`,
    'the goals are ratios of things measured side by side in the same run, except counts and sizes.',
    ...(input.quick
      ? [
          '',
          '**Quick run** (`--quick`): fewer rounds and smaller populations than issue 12 names; size-dependent targets are scaled and say so.',
        ]
      : []),
    ...(input.complete ? [] : ['', '**Partial run** (`--only`): some scenarios were not run.']),
    '',
    '## Machine',
    '',
    ...table([
      ['cores', 'CPU', 'memory', 'Node', 'Redis', 'load at start (1/5/15 min)'],
      [
        String(machine.cores),
        machine.cpuModel,
        `${machine.memoryGiB} GiB`,
        machine.node,
        machine.redisVersion,
        machine.loadAtStart,
      ],
    ]),
    '',
    '## Method',
    '',
    '- The service runs as production does: `npm run build`, then one process per instance, `node dist/main.js`',
    `  (${input.built ? 'built by this run' : 'dist/ was already up to date'}), with \`--expose-gc\` and a preloaded probe (bench/clients/memory-probe.js) that`,
    '  answers heap and RSS after a forced GC over IPC. Each instance has its own `REDIS_KEY_PREFIX` under `bench:`, its own',
    '  `ARCHIVE_DIR` (file archive), a free port, `AI_PROVIDER=offline`, request logs at `info` to a file.',
    '- Redis is a private `redis-server` started by the suite (no persistence), so `INFO`, `MEMORY USAGE` and `MONITOR` see the suite alone; it is emptied after each scenario, so none runs on what another left.',
    '- Load comes from autocannon in a process of its own; SSE streams and long-polls are opened by another process (bench/clients/streams.ts).',
    '- Baselines are built and run by the suite in the same run: a bare NestJS express hello, express-session + connect-redis 9,',
    '  and a raw BullMQ queue and worker; alternated with the service round by round, medians taken over rounds.',
    "- Large populations (100,000 to 1,000,000 sessions) are written with the service's own Redis adapter (bench/support/service-internals.ts);",
    '  everything else goes through the HTTP API.',
    '',
    '## Goals (issue 12)',
    '',
    `"before" is the full run at commit ${before.commit} (${before.writtenAt}, the same suite, before issue 12's work; a busy`,
    `machine then too): its report is kept in \`${before.report}\`. Populations of a quick run are smaller than the before run's.`,
    '',
    ...table([['figure', 'goal', 'before', 'measured', 'verdict'], ...goalRows]),
    ...findings(),
  ];
  for (const result of input.results) {
    lines.push('', `## ${result.title}`, '', result.method, '', ...table(result.table));
    if (result.notes?.length) lines.push('', ...result.notes.map((note) => `- ${note}`));
  }
  return `${lines.join('\n')}\n`;
}
