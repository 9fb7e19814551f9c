import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { ApiError, sessionNotFound } from '../common/api-error';
import { CLOCK, Clock } from '../common/clock';
import { MemoryPressureService } from './memory-pressure.service';
import { SessionEndingService } from './session-ending.service';
import { isWellFormedSessionId, newSessionId, redactSessionId } from './session-id';
import {
  ClientInfo,
  SessionActiveEvent,
  LocationUpdatedEvent,
  SessionCreatedEvent,
  SessionEvents,
  EndReason,
  MessageKind,
  NewTurn,
  OutboxMessage,
  SessionRecord,
  Turn,
} from '../domain';
import {
  ClientSeen,
  HistoryPage,
  IdempotencyClaim,
  MessagePage,
  PushedMessage,
  SESSION_REPOSITORY,
  SessionRepository,
} from './session.repository';

export interface NewSessionInput {
  locale?: string;
  metadata?: Record<string, string>;
}

export interface DeliveryOptions {
  poiId?: string;
  /** Delivered at most once per session, ever: the job's identity, e.g. `greeting` or `poi:gate`. */
  deliveryKey?: string;
}

const RESET_ATTEMPTS = 5;

/** Create / read / touch / append / reset / destroy. Knows nothing of who listens to its events. */
@Injectable()
export class SessionService {
  private readonly logger = new Logger('SessionLifecycle');

  constructor(
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly ending: SessionEndingService,
    private readonly events: EventEmitter2,
    private readonly memoryPressure: MemoryPressureService,
  ) {}

  get idleTtlMs(): number {
    return this.config.sessionIdleTtlSeconds * 1000;
  }

  async create(input: NewSessionInput, client: ClientInfo): Promise<SessionRecord> {
    await this.memoryPressure.beforeCreate(); // memory-pressure eviction makes room first
    const now = this.clock.now();
    const { record, evicted } = await this.sessions.create(
      {
        id: newSessionId(),
        locale: input.locale ?? 'zh-CN',
        metadata: input.metadata ?? {},
        clientIp: client.ip,
        userAgent: client.userAgent,
      },
      now,
      this.config.maxSessions,
    );
    this.logger.log({
      msg: 'session created',
      event: SessionEvents.created,
      sessionId: redactSessionId(record.id),
    });
    // Cap eviction happens inside the create call that exceeds MAX_SESSIONS (API.md).
    for (const id of evicted) await this.quietly(id, 'evicted', () => this.ending.end(id, 'evicted', 'any'));
    this.events.emit(SessionEvents.created, { sessionId: record.id, record } satisfies SessionCreatedEvent);
    return record;
  }

  /** Client activity on a session: refreshes it, or answers 404 / 403 as API.md says. */
  async touch(id: string, client: ClientInfo | null): Promise<SessionRecord> {
    if (!isWellFormedSessionId(id)) throw sessionNotFound();
    const now = this.clock.now();
    const result = await this.sessions.touch(id, now, client && this.clientSeen(client));
    if (result.status === 'gone') throw sessionNotFound();
    this.touched(id, now, client, result);
    return result.record;
  }

  /** What a client's touch is checked against: its address, its agent and the IP policy. */
  clientSeen(client: ClientInfo): ClientSeen {
    return { ...client, policy: this.config.sessionIpPolicy };
  }

  /**
   * The consequences of a touch the store applied (by `touch` or as part of another step): 403 on an
   * address the policy rejects, the address change logged, the activity event.
   */
  touched(
    id: string,
    now: number,
    client: ClientInfo | null,
    result: { status: 'ip_mismatch' } | { status: 'ok'; ipChanged: boolean },
  ): asserts result is { status: 'ok'; ipChanged: boolean } {
    if (result.status === 'ip_mismatch') {
      this.logger.warn({
        msg: 'session IP mismatch rejected',
        sessionId: redactSessionId(id),
        ip: client?.ip,
      });
      throw new ApiError('SESSION_IP_MISMATCH', 'This session belongs to another client address');
    }
    if (result.ipChanged) {
      this.logger.warn({ msg: 'session IP changed', sessionId: redactSessionId(id), ip: client?.ip });
    }
    this.events.emit(SessionEvents.active, { sessionId: id, at: now } satisfies SessionActiveEvent);
  }

  /** A location the store kept as the session's last one (a location report's or a query's). */
  located(id: string, location: { lat: number; lon: number; accuracy?: number }): void {
    const { lat, lon, accuracy } = location;
    this.events.emit(SessionEvents.locationUpdated, {
      sessionId: id,
      lat,
      lon,
      ...(accuracy === undefined ? {} : { accuracy }),
    } satisfies LocationUpdatedEvent);
  }

  /** A read that is not client activity (admin calls, workers). */
  async find(id: string): Promise<SessionRecord | null> {
    if (!isWellFormedSessionId(id)) return null;
    return this.sessions.find(id, this.clock.now());
  }

  async history(id: string, limit: number, before: number | null): Promise<HistoryPage> {
    return this.sessions.history(id, limit, before);
  }

  /** Recent turns for the model's context, oldest first. */
  async recentTurns(id: string, limit: number): Promise<Turn[]> {
    return (await this.sessions.history(id, limit, null)).turns;
  }

  /**
   * Stores a user turn and its answer together, as client activity, and returns the stored answer; with
   * a claimed idempotency key, the answer is kept with the key in the same step, or, when the key has an
   * answer already, that one is returned and nothing is stored. Null when the session ended meanwhile.
   */
  async appendExchange(
    id: string,
    user: NewTurn,
    answer: NewTurn,
    claim?: IdempotencyClaim,
  ): Promise<Turn | null> {
    const result = await this.sessions.completeQuery(id, [user, answer], this.clock.now(), claim ?? null);
    return result && (result.status === 'stored' ? result.turns[1] : result.answer);
  }

  /**
   * Puts a proactive message in the session's outbox and history; null when the session is gone, or
   * when `deliveryKey` was delivered to it before (a job run again after its instance died).
   */
  async deliver(
    id: string,
    kind: MessageKind,
    text: string,
    { poiId, deliveryKey }: DeliveryOptions = {},
  ): Promise<OutboxMessage | null> {
    const now = this.clock.now();
    const message = { kind, text, createdAt: now, ...(poiId ? { poiId } : {}) };
    return this.sessions.pushMessage(id, message, now, deliveryKey);
  }

  /** `deliver` of one message to many sessions at once: what each got, in the order of `ids`. */
  async deliverToEach(
    ids: string[],
    kind: MessageKind,
    text: string,
    { poiId, deliveryKey }: DeliveryOptions = {},
  ): Promise<Array<PushedMessage | null>> {
    const now = this.clock.now();
    const message = { kind, text, createdAt: now, ...(poiId ? { poiId } : {}) };
    return this.sessions.pushMessages(ids, message, now, deliveryKey);
  }

  /** Outbox messages after `after` (null: the pending ones), oldest first. */
  async messagesAfter(id: string, after: string | null, limit: number): Promise<MessagePage> {
    return this.sessions.readMessages(id, after, limit);
  }

  async acknowledge(id: string, cursor: string): Promise<void> {
    await this.sessions.acknowledge(id, cursor);
  }

  /** True the first time `key` is marked for this session, ever (POI announcements and the like). */
  async markOnce(id: string, key: string): Promise<boolean> {
    return this.sessions.markOnce(id, key, this.clock.now());
  }

  async isMarked(id: string, key: string): Promise<boolean> {
    return this.sessions.isMarked(id, key);
  }

  /** Live ids whose last activity lies in [from, to), epoch ms. */
  async activeBetween(from: number, to: number, limit: number): Promise<string[]> {
    return this.sessions.activeBetween(from, to, limit);
  }

  /** Live ids, most recently active first, a page at a time. */
  async liveIds(limit: number, cursor: string | null): Promise<{ ids: string[]; nextCursor: string | null }> {
    return this.sessions.listByActivity(limit, cursor);
  }

  /**
   * Client close / admin delete: archived with `reason`; false when there was no live session. The end
   * itself is stored (and confirmed) before this answers, or it fails (503); archiving may be left to
   * the sweep.
   */
  async destroy(id: string, reason: EndReason): Promise<boolean> {
    if (!isWellFormedSessionId(id)) return false;
    const inForce = await this.ending.mark(id, reason, 'live');
    if (!inForce) return false;
    await this.sessions.confirmWrites(id);
    await this.quietly(id, inForce, () => this.ending.finish(id, inForce));
    return true;
  }

  /** Archives the conversation, then clears it; the same id lives on with turnCount 0. */
  async reset(id: string, reason: EndReason): Promise<SessionRecord> {
    if (!isWellFormedSessionId(id)) throw sessionNotFound();
    for (let attempt = 0; attempt < RESET_ATTEMPTS; attempt++) {
      const snapshot = await this.sessions.snapshot(id);
      const live = snapshot && (await this.sessions.find(id, this.clock.now()));
      if (!snapshot || !live) throw sessionNotFound();
      await this.ending.archiveGeneration(snapshot, reason);
      const touch = reason === 'client_reset'; // admin calls are not activity
      const cleared = await this.sessions.clearConversation(
        id,
        snapshot.record.lastSeq,
        this.clock.now(),
        touch,
      );
      if (cleared === null) throw sessionNotFound();
      if (cleared === 'changed') continue; // a turn landed between snapshot and clear: archive again
      this.ending.reportEnd(snapshot, reason, this.clock.now());
      return cleared;
    }
    throw new ApiError('CONFLICT', 'The session kept changing during the reset; try again');
  }

  /**
   * The archiving part of an end (or the whole end of an evicted session): a failure is logged, not
   * returned, as the session is already gone for its client and the sweep archives it on its next run.
   */
  private async quietly(id: string, reason: EndReason, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.logger.error({
        msg: 'session end not archived yet; the sweep will retry',
        sessionId: redactSessionId(id),
        reason,
        err: error,
      });
    }
  }
}
