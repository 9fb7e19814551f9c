import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  ProactiveEvents,
  ProactiveSentEvent,
  SessionEndedEvent,
  SessionEvents,
  SessionsEndedEvent,
  isReset,
} from '../domain';
import { MetricsService } from './metrics.service';

/**
 * Counts the domain events into this instance's counters. Each end is reported once (`session.ended`,
 * or in a `sessions.ended` batch), by the instance whose purge removed the session, so the sum over
 * instances counts each end once.
 */
@Injectable()
export class LifecycleMetricsListener {
  constructor(private readonly metrics: MetricsService) {}

  @OnEvent(SessionEvents.created)
  onCreated(): void {
    this.metrics.sessionsCreated.inc();
  }

  @OnEvent(SessionEvents.ended)
  onEnded(event: SessionEndedEvent): void {
    this.metrics.sessionsEnded.inc({ reason: event.reason });
    // A reset's session lives on: it has no lifetime yet (the same rule as the stats averages).
    if (isReset(event.reason)) return;
    this.metrics.sessionLifetime.observe(Math.max(0, event.endedAt - event.createdAt) / 1000);
    this.metrics.sessionTurns.observe(event.turnCount);
  }

  @OnEvent(SessionEvents.endedBatch)
  onEndedBatch({ ends }: SessionsEndedEvent): void {
    for (const event of ends) this.onEnded(event);
  }

  @OnEvent(ProactiveEvents.sent)
  onProactiveSent(event: ProactiveSentEvent): void {
    this.metrics.proactiveMessages.inc({ kind: event.kind });
  }
}
