import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { APP_DRAINING } from '../common/app-lifecycle.events';
import { CLOCK, Clock, TimerHandle, TIMERS, Timers } from '../common/clock';
import { redactSessionId } from '../sessions';
import { SessionEndedEvent, SessionEvents, SessionsEndedEvent, isReset } from '../domain';
import {
  CarriedMessage,
  MESSAGE_NOTIFIER,
  MessageBatch,
  MessageNotifier,
  SessionNotice,
} from './message-notifier.port';

/** One waiting client: a long-poll or an SSE stream. */
export interface Waiter {
  /**
   * The session may have new messages: read its stream. `carried`: the new message itself, which a
   * waiter whose cursor is the id before it may take without reading.
   */
  wake(carried?: CarriedMessage): void;
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

/**
 * A tenth of a second: the slots are that fine, so streams opened within a few seconds of each other
 * (a crowd arriving, or every client reconnecting after a restart) are spread over tens of ticks
 * rather than a handful, and no tick's burst of store reads holds other requests up for long.
 */
const TICK_MS = 100;
/**
 * Every waiter re-reads its stream this often (30 s), in case a notice was lost by a publisher that
 * failed after storing its message (notices lost while this instance's subscriber was away are caught
 * by the resync after it is back). A multiple of HEARTBEAT_EVERY_TICKS: the slots serve both.
 */
export const FALLBACK_EVERY_TICKS = 300;
/** API.md: a heartbeat comment every 15 s. */
export const HEARTBEAT_EVERY_TICKS = 150;

/**
 * The waiters of this instance, by session, woken by the one notifier subscription. One shared timer
 * drives long-poll deadlines, the fallback re-read and SSE heartbeats for all of them: nothing here
 * costs a timer per session or per connection. A waiter keeps the tick it attached at as its slot:
 * its heartbeats and re-reads come every HEARTBEAT_EVERY_TICKS and FALLBACK_EVERY_TICKS ticks after
 * that, so each tick serves only the waiters due in it (streams opened over a while are spread over
 * every tick, rather than all re-reading their stream or checking their session in the same one).
 * After the notifier's subscriber was away, every waiter re-reads at the next tick.
 */
@Injectable()
export class MessageHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('MessageHub');
  private readonly waiters = new Map<string, Set<Waiter>>();
  /** Waiters by the slot they attached in (tick count modulo FALLBACK_EVERY_TICKS). */
  private readonly slots: Array<Set<Waiter>> = Array.from({ length: FALLBACK_EVERY_TICKS }, () => new Set());
  /** The subscriber is back after a disconnection: every waiter reads again at the next tick. */
  private resyncDue = false;
  /** Waiters with a deadline (long-polls): the only ones every tick looks at. */
  private readonly timed = new Set<Waiter>();
  private timer: TimerHandle | null = null;
  private ticks = 0;

  constructor(
    @Inject(MESSAGE_NOTIFIER) private readonly notifier: MessageNotifier,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TIMERS) private readonly timers: Timers,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.notifier.listen(
      (notice) => this.receive(notice),
      () => (this.resyncDue = true),
    );
    this.timer = this.timers.setInterval(() => this.tick(), TICK_MS);
  }

  /** Draining: every long-poll answers and every SSE stream ends now, so the instance can stop. */
  @OnEvent(APP_DRAINING)
  releaseAll(): void {
    const all = this.all();
    this.waiters.clear();
    for (const slot of this.slots) slot.clear();
    this.timed.clear();
    for (const waiter of all) waiter.close();
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
    const slot = this.slots[this.ticks % FALLBACK_EVERY_TICKS];
    slot.add(waiter);
    if (waiter.deadline !== undefined) this.timed.add(waiter);
    return () => {
      const current = this.waiters.get(sessionId);
      current?.delete(waiter);
      if (current?.size === 0) this.waiters.delete(sessionId);
      slot.delete(waiter);
      this.timed.delete(waiter);
    };
  }

  /** Tells every instance (this one included) that `sessionId` has a new message. */
  async notify(sessionId: string): Promise<void> {
    await this.notifier.publish({ sessionId, kind: 'message' });
  }

  /** Tells every instance, in one notice, that each session of `batch` has its message. */
  async notifyEach(batch: MessageBatch): Promise<void> {
    await this.notifier.publishMessages(batch);
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

  private receive({ sessionId, kind, carried }: SessionNotice): void {
    const set = this.waiters.get(sessionId);
    if (!set) return;
    const waiters = [...set];
    if (kind === 'ended') this.forget(sessionId, set);
    for (const waiter of waiters) {
      if (kind === 'ended') waiter.sessionEnded();
      else waiter.wake(carried);
    }
  }

  private forget(sessionId: string, set: Set<Waiter>): void {
    this.waiters.delete(sessionId);
    for (const waiter of set) {
      for (const slot of this.slots) slot.delete(waiter);
      this.timed.delete(waiter);
    }
  }

  private tick(): void {
    this.ticks += 1;
    const now = this.clock.now();
    const expired: Waiter[] = [];
    for (const waiter of this.timed) if (waiter.deadline! <= now) expired.push(waiter);
    for (const waiter of expired) waiter.expire?.();
    const resync = this.resyncDue;
    this.resyncDue = false;
    const slot = this.ticks % FALLBACK_EVERY_TICKS;
    for (
      let other = slot % HEARTBEAT_EVERY_TICKS;
      other < FALLBACK_EVERY_TICKS;
      other += HEARTBEAT_EVERY_TICKS
    ) {
      // Copied: a wake or a heartbeat may detach its waiter (or others) before the loop is done.
      for (const waiter of [...this.slots[other]]) {
        if (other === slot && !resync) waiter.wake();
        waiter.heartbeat?.();
      }
    }
    if (resync) for (const waiter of this.all()) waiter.wake();
  }

  private all(): Waiter[] {
    return [...this.waiters.values()].flatMap((set) => [...set]);
  }
}
