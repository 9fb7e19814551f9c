/**
 * The load generator, a process of its own (started by bench/support/load.ts): runs autocannon on
 * request over IPC and answers with its figures, so the load never shares an event loop with the
 * service or with the suite's bookkeeping.
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  durationS: number;
  /** Stop after this many requests instead of after `durationS`. */
  amount?: number;
  /** Requests per second over all connections (a constant rate instead of as fast as possible). */
  overallRate?: number;
  headers?: Record<string, string>;
  /** The body; `$SESSION` is replaced by the connection's own entry of `perConnection`. */
  body?: string;
  /** One entry per connection (round robin): a session id, or a cookie when `perConnectionHeader`. */
  perConnection?: string[];
  perConnectionHeader?: string;
  /** Return the response time of every 2xx response (`latencies`), to pool them over several runs. */
  keepLatencies?: boolean;
}

export interface LoadResult {
  okPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  durationS: number;
  /** With `keepLatencies`: every 2xx response's time, ms. */
  latencies?: number[];
}

async function run(request: LoadRequest): Promise<LoadResult> {
  let assigned = 0;
  const pool = request.perConnection ?? [];
  const latencies: number[] = [];
  const options: autocannon.Options = {
    url: request.url,
    connections: request.connections,
    duration: request.durationS,
    amount: request.amount,
    overallRate: request.overallRate,
    timeout: 30,
    requests: [
      {
        method: request.method,
        path: request.path,
        headers: { 'content-type': 'application/json', ...request.headers },
        setupRequest: (req: autocannon.Request, untyped: object) => {
          const context = untyped as { own?: string };
          if (pool.length === 0) return { ...req, body: request.body };
          context.own ??= pool[assigned++ % pool.length];
          if (request.perConnectionHeader) {
            return {
              ...req,
              body: request.body,
              headers: { ...req.headers, [request.perConnectionHeader]: context.own },
            };
          }
          return { ...req, body: request.body?.replace('$SESSION', context.own) };
        },
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: Error | null, done) =>
      error ? reject(error) : resolve(done),
    );
    if (!request.keepLatencies) return;
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
  return {
    okPerSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    durationS: result.duration,
    ...(request.keepLatencies ? { latencies } : {}),
  };
}

process.on('message', (message: { id: number; request: LoadRequest }) => {
  run(message.request).then(
    (result) => process.send?.({ id: message.id, result }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
