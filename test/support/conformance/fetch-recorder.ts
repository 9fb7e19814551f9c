import type { OpenAPIV3 } from 'openapi-types';
import { ApiContract } from './contract';
import { recordedRequestIds } from './server-recorder';
import { recordResponse, recordStream } from './tally';

/** Body checks still running; the setup file waits for them before judging a test. */
const inFlight = new Set<Promise<void>>();

export async function fetchChecksSettled(): Promise<void> {
  await Promise.all([...inFlight]);
}

/**
 * Wraps the global fetch for responses of the service that no in-process app recorded: instances a
 * test started as processes (`node dist/main.js`). A response of the service carries X-Request-Id
 * (the fake model server's and webhooks' do not); the process's own /docs-json, read the first time
 * one of its responses arrives, is the contract it is checked against.
 */
export function recordingFetch(original: typeof fetch): typeof fetch {
  const contracts = new Map<string, Promise<ApiContract | undefined>>();
  const contractAt = (origin: string): Promise<ApiContract | undefined> => {
    let contract = contracts.get(origin);
    if (!contract) {
      contract = original(`${origin}/docs-json`)
        .then(async (answer) => new ApiContract((await answer.json()) as OpenAPIV3.Document))
        .catch(() => undefined);
      contracts.set(origin, contract);
    }
    return contract;
  };

  return async (input, init) => {
    const response = await original(input, init);
    const requestId = response.headers.get('x-request-id');
    if (!requestId || recordedRequestIds.has(requestId)) return response;
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const observed = {
      method,
      url: url.pathname + url.search,
      status: response.status,
      contentType: response.headers.get('content-type') ?? undefined,
    };
    const contract = contractAt(url.origin);
    if (observed.contentType?.startsWith('text/event-stream')) {
      recordStream(await contract, { ...observed, body: undefined });
      return response;
    }
    const check = Promise.all([contract, response.clone().text()]).then(
      ([known, body]) => recordResponse(known, { ...observed, body }),
      async () => recordResponse(await contract, { ...observed, body: undefined }),
    );
    inFlight.add(check);
    void check.finally(() => inFlight.delete(check));
    return response;
  };
}
