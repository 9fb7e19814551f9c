import { ADMIN_TOKEN } from './service';

/** The HTTP API as the app and an operator use it (API.md). */
async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : null) as T;
}

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

export async function createSession(base: string): Promise<string> {
  return (await json<{ sessionId: string }>(`${base}/v1/sessions`, { method: 'POST', body: '{}' })).sessionId;
}

export function query(base: string, sessionId: string | undefined, text: string) {
  return json<{ sessionId: string; answer: { seq: number } }>(`${base}/v1/query`, {
    method: 'POST',
    body: JSON.stringify({ sessionId, text }),
  });
}

export interface AdminStats {
  activeSessions: number;
  createdTotal: number;
  endedTotal: Record<string, number>;
}

export const adminStats = (base: string) => json<AdminStats>(`${base}/v1/admin/stats`, { headers: admin });

export function broadcast(base: string, text: string) {
  return json<{ queued: number }>(`${base}/v1/admin/broadcast`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ text }),
  });
}

/** One value of the Prometheus text at /metrics (the first series of that name). */
export async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

/** Runs `work` over `items`, `parallel` at a time. */
export async function inParallel<T, R>(
  items: T[],
  parallel: number,
  work: (item: T, i: number) => Promise<R>,
) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}
