import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchivedSession } from '../src/archive/archive.repository';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { freePort } from './support/ports';
import { deleteKeysWithPrefix, TEST_REDIS_URL, testPrefix } from './support/redis';
import { waitFor } from './support/lifecycle';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..');

/** Every archive line under `dir`, whatever the file layout. */
function archiveLines(dir: string): ArchivedSession[] {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
  return files.flatMap((file) =>
    readFileSync(join(file.parentPath, file.name), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ArchivedSession),
  );
}

describe('Shutdown at SIGTERM (e2e, the built service as a process)', () => {
  let archiveDir: string;
  let child: ChildProcess;
  let output = '';

  beforeAll(() => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  });
  beforeEach(() => {
    archiveDir = mkdtempSync(join(tmpdir(), 'tg-shutdown-'));
  });
  afterEach(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(archiveDir, { recursive: true, force: true });
  });

  it('archives every live session to files with reason shutdown at SIGTERM, and exits 0', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PORT: String(port),
      ARCHIVE_DIR: archiveDir,
      ADMIN_TOKEN: 'shutdown-test',
      PROACTIVE_GREETING_DELAY_SECONDS: '-1',
      PROACTIVE_IDLE_TIP_SECONDS: '-1',
      LOG_LEVEL: 'info',
    }; // no REDIS_URL, no DATABASE_URL: embedded store, file archive
    child = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      'the service to listen',
      async () => (await fetch(`${base}/health/live`).catch(() => null))?.ok,
      20_000,
    );

    const post = async (path: string, body: object) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { sessionId: string } };
    };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await post('/v1/sessions', { locale: 'en', metadata: { n: String(i) } });
      expect(created.status).toBe(201);
      ids.push(created.body.sessionId);
    }
    const asked = await post('/v1/query', { sessionId: ids[0], text: 'What is the Forbidden City?' });
    expect(asked.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const lines = archiveLines(archiveDir);
    expect(lines.map((line) => line.sessionId).sort()).toEqual([...ids].sort());
    for (const line of lines) {
      expect(line).toMatchObject({ reason: 'shutdown', generation: 0, locale: 'en' });
    }
    const first = lines.find((line) => line.sessionId === ids[0])!;
    expect(first.turnCount).toBe(2);
    expect(first.turns.map((turn) => turn.role)).toEqual(['user', 'assistant']);
    // Logs name the shutdown archival, never a full session id.
    expect(output).toContain('embedded sessions archived at shutdown');
    for (const id of ids) expect(output).not.toContain(id);
  });

  it('finishes an in-flight query, then exits 0 through npm run start:prod when the process group gets SIGTERM', async () => {
    const fake = await FakeOpenAiServer.start();
    fake.setDelay(1500);
    const prefix = testPrefix('shutdown');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      PORT: String(port),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ARCHIVE_DIR: archiveDir,
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.baseUrl,
      PROACTIVE_GREETING_DELAY_SECONDS: '-1',
      PROACTIVE_IDLE_TIP_SECONDS: '-1',
      LOG_LEVEL: 'warn',
    };
    try {
      // detached: npm leads a process group of its own, as under a process manager.
      child = spawn('npm', ['run', 'start:prod'], { cwd: ROOT, env, stdio: 'ignore', detached: true });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        'the service to listen',
        async () => (await fetch(`${base}/health/ready`).catch(() => null))?.ok,
        20_000,
      );

      const { sessionId } = (await (
        await fetch(`${base}/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { sessionId: string };
      const sse = await fetch(`${base}/v1/sessions/${sessionId}/events`);
      expect(sse.status).toBe(200);
      const sseEnded = sse.text(); // resolves when the server ends the stream
      const inFlight = fetch(`${base}/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId, text: 'a slow question' }),
      });
      await fake.waitForRequests(1);
      const signalledAt = Date.now();
      process.kill(-child.pid!, 'SIGTERM');

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { answer: { text: string } }).answer.text).toBe(
        'echo: a slow question',
      );
      await sseEnded;
      expect(await exited).toBe(0);
      // The open SSE stream was released at once instead of holding the exit to the drain deadline (8 s).
      expect(Date.now() - signalledAt).toBeLessThan(8000);
      await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    } finally {
      await fake.close();
      await deleteKeysWithPrefix(prefix);
    }
  });
});
