import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_DRAINING } from '../common/app-lifecycle.events';
import { CLOCK, Clock, TimerHandle, TIMERS, Timers } from '../common/clock';
import { redactSessionId } from '../sessions';
import { SessionEndedEvent, SessionEvents, SessionsEndedEvent, isReset } from '../domain';
import { MESSAGE_NOTIFIER, MessageNotifier, SessionNotice } from './message-notifier.port';

/** One waiting client: a long-poll or an SSE stream. */
export interface Waiter {
  /** The session may have new messages: read its stream. */
  wake(): void;
  /** SSE: write a heartbeat comment. */
  heartbeat?(): void;
  /** Long-poll: when the wait ends (epoch ms), and what to do then. */
  deadline?: number;
  expire?(): void;
  /** The instance is shutting down: answer and end the connection now. */
  close(): void;
  /** The session has ended (deleted, expired, evicted…): its id is gone, so finish for good. */
  sessionEnded(): void;
}

const TICK_MS = 1000;
/** Every waiter re-reads its stream this often, in case a notification was lost. */
export const FALLBACK_EVERY_TICKS = 5;
/** API.md: a heartbeat comment every 15 s. */
export const HEARTBEAT_EVERY_TICKS = 15;

/**
 * The waiters of this instance, by session, woken by the one notifier subscription. One shared timer
 * drives long-poll deadlines, the fallback re-read and SSE heartbeats for all of them: nothing here
 * costs a timer per session or per connection.
 */
@Injectable()
export class MessageHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('MessageHub');
  private readonly waiters = new Map<string, Set<Waiter>>();
  private timer: TimerHandle | null = null;
  private ticks = 0;

  constructor(
    @Inject(MESSAGE_NOTIFIER) private readonly notifier: MessageNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TIMERS) private readonly timers: Timers,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.notifier.listen((notice) => this.receive(notice));
    this.timer = this.timers.setInterval(() => this.tick(), TICK_MS);
  }

  /** Draining: every long-poll answers and every SSE stream ends now, so the instance can stop. */
  @OnEvent(APP_DRAINING)
  releaseAll(): void {
    for (const waiter of this.all()) waiter.close();
    this.waiters.clear();
  }

  async onModuleDestroy(): Promise<void> {
    this.timers.clearInterval(this.timer);
    this.timer = null;
    this.releaseAll();
    await this.notifier.close();
  }

  /** Registers a waiter; call the returned function when it is done. */
  attach(sessionId: string, waiter: Waiter): () => void {
    let set = this.waiters.get(sessionId);
    if (!set) this.waiters.set(sessionId, (set = new Set()));
    set.add(waiter);
    return () => {
      const current = this.waiters.get(sessionId);
      current?.delete(waiter);
      if (current?.size === 0) this.waiters.delete(sessionId);
    };
  }

  /** Tells every instance (this one included) that `sessionId` has a new message. */
  async notify(sessionId: string): Promise<void> {
    await this.notifier.publish({ sessionId, kind: 'message' });
  }

  /** Tells every instance that a session has ended, so its long-polls and SSE streams finish now. */
  @OnEvent(SessionEvents.ended)
  async announceEnd(event: SessionEndedEvent): Promise<void> {
    if (isReset(event.reason)) return; // the id lives on, and so do its waiters
    try {
      await this.notifier.publish({ sessionId: event.sessionId, kind: 'ended' });
    } catch (error) {
      // SSE streams still notice at their next heartbeat; long-polls answer at their deadline.
      this.logger.warn({
        msg: 'session end not announced',
        sessionId: redactSessionId(event.sessionId),
        err: String(error),
      });
    }
  }

  /** A sweep batch's ends, announced in one round (the notifier's publishAll) rather than one per end. */
  @OnEvent(SessionEvents.endedBatch)
  async announceEnds({ ends }: SessionsEndedEvent): Promise<void> {
    const notices = ends
      .filter((event) => !isReset(event.reason))
      .map((event): SessionNotice => ({ sessionId: event.sessionId, kind: 'ended' }));
    if (notices.length === 0) return;
    try {
      if (this.notifier.publishAll) await this.notifier.publishAll(notices);
      else await Promise.all(notices.map((notice) => this.notifier.publish(notice)));
    } catch (error) {
      // As for one end: streams notice at their next heartbeat, long-polls answer at their deadline.
      this.logger.warn({ msg: 'session ends not announced', count: notices.length, err: String(error) });
    }
  }

  get waiterCount(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  private receive({ sessionId, kind }: SessionNotice): void {
    const waiters = [...(this.waiters.get(sessionId) ?? [])];
    if (kind === 'ended') this.waiters.delete(sessionId);
    for (const waiter of waiters) {
      if (kind === 'ended') waiter.sessionEnded();
      else waiter.wake();
    }
  }

  private tick(): void {
    this.ticks += 1;
    const now = this.clock.now();
    const fallback = this.ticks % FALLBACK_EVERY_TICKS === 0;
    const heartbeat = this.ticks % HEARTBEAT_EVERY_TICKS === 0;
    for (const waiter of this.all()) {
      if (waiter.deadline !== undefined && waiter.deadline <= now) waiter.expire?.();
      else if (fallback) waiter.wake();
      if (heartbeat) waiter.heartbeat?.();
    }
  }

  private all(): Waiter[] {
    return [...this.waiters.values()].flatMap((set) => [...set]);
  }
}
