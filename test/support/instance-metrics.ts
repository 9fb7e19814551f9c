import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Queries (/v1/query and /v1/query/stream) one instance has answered, read from its own /metrics. */
export async function queriesServed(instanceUrl: string): Promise<number> {
  const text = await (await fetch(`${instanceUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => /^http_request_duration_seconds_count\{.*route="\/v1\/query(\/stream)?"/.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** A JSON figure file under test/artifacts/ (git-ignored), for the report. */
export function writeArtifact(name: string, content: object): void {
  const dir = join(__dirname, '..', 'artifacts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `${JSON.stringify(content, null, 2)}\n`);
}
