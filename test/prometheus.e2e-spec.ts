import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { waitFor } from './support/lifecycle';
import { freePort } from './support/ports';
import { metricNames } from './support/prometheus-text';
import { familyOf, metricNamesIn } from './support/promql-names';
import { testPrefix } from './support/redis';
import { startTestApp, TestApp } from './support/test-app';

const run = promisify(execFile);
const DEPLOY = resolve(__dirname, '..', 'deploy');
const CONFIG = join(DEPLOY, 'prometheus', 'prometheus.yml');
const RULES = join(DEPLOY, 'prometheus', 'alerts.yml');
const RULE_TESTS = join(DEPLOY, 'prometheus', 'alerts.test.yml');
const DASHBOARD = join(DEPLOY, 'grafana', 'dashboard.json');

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}
interface RuleTests {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}
interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}

const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((group) => group.rules);
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
const dashboardExprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
/** Series Prometheus makes itself (scrape health, alert state) and this file's recording rules. */
const notFromTheApp = (name: string) => name === 'up' || name === 'ALERTS' || name.includes(':');

describe('Prometheus files (promtool)', () => {
  it('promtool check config: the config and the rule file it loads are valid', async () => {
    const { stdout } = await run('promtool', ['check', 'config', CONFIG]);
    expect(stdout).toContain('SUCCESS: 1 rule files found');
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('promtool check rules: every rule is valid', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', RULES]);
    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('promtool test rules: the unit tests pass, with a firing case for every alert', async () => {
    const { stdout } = await run('promtool', ['test', 'rules', RULE_TESTS]);
    expect(stdout).toContain('SUCCESS');
    const tested = new Set(
      (parse(readFileSync(RULE_TESTS, 'utf8')) as RuleTests).tests.flatMap((test) =>
        (test.alert_rule_test ?? []).filter((t) => t.exp_alerts.length > 0).map((t) => t.alertname),
      ),
    );
    const alerts = rules.flatMap((rule) => (rule.alert ? [rule.alert] : []));
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    expect(alerts.filter((alert) => !tested.has(alert))).toEqual([]);
  });

  it('says in every alert what to look at', () => {
    for (const rule of rules.filter((r) => r.alert)) {
      expect((rule as { annotations?: { description?: string } }).annotations?.description).toMatch(
        /^Look at: /,
      );
    }
  });
});

describe('Prometheus scraping two instances on one Redis (real prometheus binary)', () => {
  let a: TestApp;
  let b: TestApp;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let dir: string;

  beforeAll(async () => {
    const env = { REDIS_KEY_PREFIX: testPrefix('prom') };
    a = await startTestApp({ env, keepKeys: true });
    b = await startTestApp({ env });
    dir = mkdtempSync(join(tmpdir(), 'tg-prometheus-'));
    // The deployed config, with the compose DNS discovery swapped for the two test instances and a
    // short interval so the test is quick.
    const config = parse(readFileSync(CONFIG, 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      scrape_configs: Array<Record<string, unknown>>;
    };
    config.global.scrape_interval = '1s';
    config.global.evaluation_interval = '1s';
    config.rule_files = [RULES];
    config.scrape_configs = config.scrape_configs
      .filter((job) => job.job_name === 'tour-guide-sessions')
      .map(({ dns_sd_configs: _, ...job }) => ({
        ...job,
        scrape_timeout: '1s',
        static_configs: [{ targets: [a.url, b.url].map((url) => new URL(url).host) }],
      }));
    writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    prometheus.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(
      'Prometheus to be ready',
      async () => {
        if (prometheus.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
        return (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.ok;
      },
      30_000,
    );
  });
  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((done) => prometheus.once('exit', done));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await a?.close();
    await b?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const query = async (promql: string) => {
    const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    return body;
  };
  const byInstance = async (promql: string) =>
    Object.fromEntries(
      (await query(promql)).data.result.map((series) => [series.metric.instance, Number(series.value[1])]),
    );

  it('reads sessions_active and sessions_created_total back after known traffic', async () => {
    const hostA = new URL(a.url).host;
    const hostB = new URL(b.url).host;
    for (let i = 0; i < 4; i++) await request(a.server).post('/v1/sessions').send({}).expect(201);
    for (let i = 0; i < 3; i++) await request(b.server).post('/v1/sessions').send({}).expect(201);

    const created = await waitFor(
      'both instances scraped after the traffic',
      async () => {
        const values = await byInstance('sessions_created_total{job="tour-guide-sessions"}');
        return values[hostA] === 4 && values[hostB] === 3 ? values : null;
      },
      30_000,
    );
    expect(created).toEqual({ [hostA]: 4, [hostB]: 3 });
    const active = await waitFor('sessions_active from the store on both', async () => {
      const values = await byInstance('sessions_active');
      return values[hostA] === 7 && values[hostB] === 7 ? values : null;
    });
    expect(active).toEqual({ [hostA]: 7, [hostB]: 7 });
    const total = (await query('sum(sessions_created_total)')).data.result[0].value[1];
    expect(Number(total)).toBe(7);
    expect((await byInstance('up'))[hostA]).toBe(1);
  });

  it('loads alerts.yml and evaluates every rule without error', async () => {
    const groups = await waitFor('every rule evaluated', async () => {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
      };
      const all = body.data.groups.flatMap((group) => group.rules);
      return all.length === rules.length && all.every((rule) => rule.health !== 'unknown') ? all : null;
    });
    expect(groups.filter((rule) => rule.health !== 'ok')).toEqual([]);
  });

  it('answers every expression of the Grafana dashboard (valid PromQL on these series)', async () => {
    for (const expr of dashboardExprs) {
      const body = await query(expr);
      expect({ expr, status: body.status, error: body.error }).toEqual({
        expr,
        status: 'success',
        error: undefined,
      });
    }
  });
});

describe('Metric names of the dashboard and the rules', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startTestApp();
  });
  afterAll(() => sut.close());

  it('every metric named in an expression exists in /metrics', async () => {
    const exposed = metricNames((await request(sut.server).get('/metrics').expect(200)).text);
    const named = new Set(
      [...dashboardExprs, ...rules.map((rule) => rule.expr)]
        .flatMap(metricNamesIn)
        .filter((n) => !notFromTheApp(n)),
    );
    expect(named.size).toBeGreaterThanOrEqual(12);
    const missing = [...named].filter((name) => !exposed.has(name) && !exposed.has(familyOf(name)));
    expect(missing).toEqual([]);
  });

  it('and the dashboard shows every panel the issue lists', () => {
    const titles = dashboard.panels.map((panel) => panel.title.toLowerCase()).join(' | ');
    for (const topic of [
      'active sessions',
      'creations and ends per minute by reason',
      'request rate by route',
      'latency percentiles by route',
      'model latency by outcome',
      'proactive messages',
      'open streams and long-polls',
      'sweep duration',
      'store up',
      'alerts firing',
    ]) {
      expect(titles).toContain(topic);
    }
  });
});
