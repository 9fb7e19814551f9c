import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { END_REASONS, MessageKind } from '../domain';
import { collectProcessMetrics } from './process-metrics';

/** `outcome` of ai_request_duration_seconds (API.md). */
export const AI_OUTCOMES = ['ok', 'error', 'timeout', 'circuit_open'] as const;
export type AiOutcome = (typeof AI_OUTCOMES)[number];

export const MESSAGE_KINDS: readonly MessageKind[] = ['greeting', 'poi', 'tip', 'broadcast'];

/** Seconds: a session lasts from minutes to the 4-hour idle TTL and, while used, much longer. */
const LIFETIME_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400];
const TURN_BUCKETS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500];
/** A model call takes from a fraction of a second to AI_TIMEOUT_MS (30 s by default). */
const AI_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const SWEEP_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30];

/**
 * The one Prometheus registry of this instance and every instrument of API.md's table. Counters and
 * histograms are per instance; the store-wide gauges (sessions_active, store_up, alerts_firing) are
 * read at scrape time by StoreGauges. Label sets known in advance start at 0, so a rate() over a
 * reason that never happened is 0 rather than absent.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template (unmatched: no route; body_rejected: the body refused before routing) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly sessionsCreated = new Counter({
    name: 'sessions_created_total',
    help: 'Sessions created on this instance',
    registers: [this.registry],
  });

  readonly sessionsEnded = new Counter({
    name: 'sessions_ended_total',
    help: 'Session ends on this instance by reason (resets end a generation of the conversation)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly sessionLifetime = new Histogram({
    name: 'session_lifetime_seconds',
    help: 'Lifetime of sessions that ended for good (resets excluded), from creation to end',
    buckets: LIFETIME_BUCKETS,
    registers: [this.registry],
  });

  readonly sessionTurns = new Histogram({
    name: 'session_turns',
    help: 'History entries of sessions that ended for good (resets excluded), since the last reset',
    buckets: TURN_BUCKETS,
    registers: [this.registry],
  });

  /** Folds in the former model_calls_total: its per-outcome counts are this histogram's _count. */
  readonly aiRequests = new Histogram({
    name: 'ai_request_duration_seconds',
    help: 'Model calls (answers, streams, proactive texts) by outcome; client aborts are not counted',
    labelNames: ['outcome'] as const,
    buckets: AI_BUCKETS,
    registers: [this.registry],
  });

  readonly proactiveMessages = new Counter({
    name: 'proactive_messages_total',
    help: 'Proactive messages delivered to a session outbox on this instance, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly proactiveJobsFailed = new Counter({
    name: 'proactive_jobs_failed_total',
    help: 'Proactive job runs that threw on this instance (each is retried with backoff)',
    registers: [this.registry],
  });

  readonly sweepDuration = new Histogram({
    name: 'sweep_duration_seconds',
    help: 'Duration of one cleanup sweep by the instance holding the cleanup lease',
    buckets: SWEEP_BUCKETS,
    registers: [this.registry],
  });

  readonly sseConnections = new Gauge({
    name: 'sse_connections',
    help: 'SSE streams (GET /v1/sessions/:id/events) open on this instance',
    registers: [this.registry],
  });

  readonly longpollWaiting = new Gauge({
    name: 'longpoll_waiting',
    help: 'Long-polls (GET /v1/sessions/:id/messages?wait>0) waiting on this instance',
    registers: [this.registry],
  });

  constructor() {
    collectProcessMetrics(this.registry);
    for (const reason of END_REASONS) this.sessionsEnded.inc({ reason }, 0);
    for (const outcome of AI_OUTCOMES) this.aiRequests.zero({ outcome });
    for (const kind of MESSAGE_KINDS) this.proactiveMessages.inc({ kind }, 0);
  }
}
