import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { parse, parseAllDocuments } from 'yaml';
import { renderNginxConfig } from '../deploy/local-cluster/nginx-config';

/** The deploy files, checked by the tools that understand them (no Docker engine: nothing is built). */

const ROOT = join(__dirname, '..');
const K8S = join(ROOT, 'deploy', 'kubernetes');
const read = (...path: string[]) => readFileSync(join(ROOT, ...path), 'utf8');

/** The variables of .env.example (every variable of API.md) with their defaults. */
const ENV_DEFAULTS = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z0-9_]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

/** Whether `version` (x.y) is accepted by an `engines` range made of `^x.y.z` and `>=x.y.z` parts. */
function enginesAccept(range: string, version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return range.split('||').some((part) => {
    const [, op, m, n] = /^\s*(\^|>=)(\d+)\.(\d+)\.\d+\s*$/.exec(part) ?? [];
    if (!op) throw new Error(`engines part not understood: ${part}`);
    const atLeast = major > Number(m) || (major === Number(m) && minor >= Number(n));
    return op === '>=' ? atLeast : atLeast && major === Number(m);
  });
}

describe('docker-compose.yml', () => {
  // The resolved file, with no variable of this machine leaking into the defaults.
  const resolved = () =>
    parse(
      execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH },
      }).toString(),
    );

  it('is valid for docker-compose config -q and has no dclint error or warning', () => {
    execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    const dclint = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'dclint'),
      ['docker-compose.yml', '--max-warnings', '0'],
      {
        cwd: ROOT,
      },
    );
    expect((dclint.stdout.toString() + dclint.stderr.toString()).trim()).toBe('');
    expect(dclint.status).toBe(0);
  });

  it('runs three app replicas behind lb, on healthy Redis (append-only, a volume) and PostgreSQL', () => {
    const { services, volumes } = resolved();
    expect(services.app.deploy.replicas).toBe(3);
    expect(services.app.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    expect(services.app.healthcheck.test.join(' ')).toContain('/health/ready');
    expect(services.lb.depends_on).toEqual({ app: { condition: 'service_healthy' } });
    // docker-compose 1.x prints volumes in the short syntax.
    expect(services.lb.volumes).toEqual([`${join(ROOT, 'deploy', 'nginx.conf')}:/etc/nginx/nginx.conf:ro`]);
    expect(services.redis.command.join(' ')).toContain('--appendonly yes');
    expect(services.redis.volumes).toEqual(['redis-data:/data:rw']);
    expect(services.redis.healthcheck).toBeDefined();
    expect(services.postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data:rw']);
    expect(services.postgres.healthcheck.test).toContain('pg_isready');
    expect(services.prometheus.profiles).toEqual(['monitoring']);
    expect(Object.keys(volumes).sort()).toEqual(['postgres-data', 'prometheus-data', 'redis-data']);
  });

  it('gives app every variable of API.md, with its default unless compose needs another value', () => {
    const env = resolved().services.app.environment as Record<string, string>;
    const changed = { REDIS_URL: 'redis://redis:6379/0', TRUST_PROXY: '1' } as Record<string, string>;
    for (const [name, fallback] of Object.entries(ENV_DEFAULTS)) {
      if (name === 'DATABASE_URL') expect(env[name]).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      else expect([name, env[name]]).toEqual([name, changed[name] ?? fallback]);
    }
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile');
  /** Instructions with their continuation lines joined. */
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => /^(\w+)\s+(.*)$/.exec(line.trim())!.slice(1));
  const runtime = instructions.slice(instructions.findLastIndex(([op]) => op === 'FROM'));
  const args = (op: string) => runtime.filter(([name]) => name === op).map(([, rest]) => rest);

  it('has no error or warning from dockerfile-utils (the VS Code Docker tooling validator)', () => {
    expect(validateDockerfile(text)).toEqual([]);
  });

  it('builds on a Node base that package.json engines accept', () => {
    const version = /^ARG NODE_VERSION=(\d+\.\d+)$/m.exec(text)![1];
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(enginesAccept(engines, version)).toBe(true);
    const bases = instructions.filter(([op]) => op === 'FROM').map(([, rest]) => rest);
    expect(bases).toEqual([
      'node:${NODE_VERSION}-bookworm-slim AS build',
      'node:${NODE_VERSION}-bookworm-slim AS runtime',
    ]);
  });

  it('runs production dependencies and dist/ only, as a non-root user, with SIGTERM going to Node', () => {
    expect(args('RUN').join('\n')).toContain('npm ci --omit=dev');
    expect(args('COPY')).toEqual(['package.json package-lock.json ./', '--from=build /app/dist ./dist']);
    expect(args('USER')).toEqual(['node']);
    expect(args('HEALTHCHECK')[0]).toMatch(/CMD \["node", "-e", ".*\/health\/live/);
    // Exec form and no ENTRYPOINT: no shell between the runtime and Node, which is PID 1.
    expect(JSON.parse(args('CMD')[0])).toEqual(['node', 'dist/main.js']);
    expect(args('ENTRYPOINT')).toEqual([]);
  });
});

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const files = readdirSync(K8S).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
  const manifests = files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((doc) => ({ file, ...doc.toJS() })),
  );
  const byKind = (kind: string) => manifests.find((manifest) => manifest.kind === kind);

  it('validate against the Kubernetes schemas (kubernetes-models)', async () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    for (const { file, ...manifest } of manifests) {
      const module = (await import(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`)) as Record<
        string,
        new (data: object) => { validate(): void; toJSON(): object }
      >;
      const model = new module[manifest.kind](manifest);
      try {
        model.validate();
      } catch (error) {
        throw new Error(`${file}: ${String(error)}`, { cause: error });
      }
      expect(model.toJSON()).toMatchObject({ apiVersion: manifest.apiVersion, kind: manifest.kind });
    }
  });

  it('are all listed in kustomization.yaml', () => {
    expect(
      (parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')).resources as string[]).sort(),
    ).toEqual([...files].sort());
  });

  it('probe /health/ready and /health/live, pause before SIGTERM, and wait longer than the drain', () => {
    const pod = byKind('Deployment').spec.template.spec;
    const [app] = pod.containers;
    expect(app.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(app.livenessProbe.httpGet.path).toBe('/health/live');
    const pause = Number(app.lifecycle.preStop.exec.command[1]);
    expect(pause).toBeGreaterThan(0);
    // The grace period runs from preStop: pause + the 10 s drain of API.md must fit in it.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(pause + 10);
    expect(app.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(app.resources.limits.memory).toBeDefined();
    expect(app.envFrom).toEqual([
      { configMapRef: { name: byKind('ConfigMap').metadata.name } },
      { secretRef: { name: byKind('Secret').metadata.name } },
    ]);
  });

  it('tie the Service, PodDisruptionBudget and autoscaler to the Deployment, the Ingress to the Service', () => {
    const deployment = byKind('Deployment');
    const labels = deployment.spec.template.metadata.labels;
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    const ingress = byKind('Ingress');
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe(byKind('Service').metadata.name);
    const annotation = (name: string) => ingress.metadata.annotations[`nginx.ingress.kubernetes.io/${name}`];
    expect(annotation('proxy-buffering')).toBe('off');
    expect(Number(annotation('proxy-read-timeout'))).toBeGreaterThan(30);
    expect(annotation('proxy-body-size')).toBe('9m');
  });

  it('carry every variable of API.md in the ConfigMap (its default unless changed) or the Secret', () => {
    const data = byKind('ConfigMap').data as Record<string, string>;
    const secret = Object.keys(byKind('Secret').stringData);
    expect(Object.keys(data).filter((name) => secret.includes(name))).toEqual([]);
    const changed: Record<string, string> = { TRUST_PROXY: '1', ARCHIVE_DIR: '/tmp/archive' };
    for (const [name, fallback] of Object.entries(ENV_DEFAULTS)) {
      if (secret.includes(name)) continue;
      expect([name, data[name]]).toEqual([name, changed[name] ?? fallback]);
    }
  });
});

describe('deploy/nginx.conf', () => {
  it('rendered for local ports, passes nginx -t', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-nginx-t-'));
    try {
      const file = join(dir, 'nginx.conf');
      writeFileSync(
        file,
        renderNginxConfig({ listenPort: 8080, upstreamPorts: [3001, 3002, 3003], tempDir: dir }),
      );
      const check = spawnSync('nginx', [
        '-t',
        '-p',
        dir,
        '-c',
        file,
        '-e',
        'stderr',
        '-g',
        `pid ${dir}/nginx.pid;`,
      ]);
      expect([check.status, check.stderr.toString()]).toEqual([
        0,
        expect.stringContaining('test is successful'),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
