import { Logger } from '@nestjs/common';
import { ConnectionStateLog, RedisClient, RedisStore } from '../store';
import { MessageBatch, MessageNotifier, noticesOf, SessionNotice } from './message-notifier.port';

const ENDED_PREFIX = 'ended:';
const MESSAGES_PREFIX = 'messages:';
/** Between the ids of one `ended:` payload (a session id has no space). */
const ID_SEPARATOR = ' ';

/** The payload: the session id for a new message, `ended:<id>` for an ended session. */
function encodeNotice(notice: SessionNotice): string {
  return notice.kind === 'ended' ? `${ENDED_PREFIX}${notice.sessionId}` : notice.sessionId;
}

/** `messages:` and the batch as JSON: one message delivered to each of these sessions. */
function encodeMessages(batch: MessageBatch): string {
  return `${MESSAGES_PREFIX}${JSON.stringify(batch)}`;
}

/**
 * `messages:<batch>` carries one message to many sessions (publishMessages), `ended:<id> <id> …` many
 * ends (publishAll; `ended:<id>` is the case of one), a bare id one session's new message.
 */
function decodeNotices(payload: string): SessionNotice[] {
  if (payload.startsWith(MESSAGES_PREFIX)) {
    return noticesOf(JSON.parse(payload.slice(MESSAGES_PREFIX.length)) as MessageBatch);
  }
  if (!payload.startsWith(ENDED_PREFIX)) return [{ sessionId: payload, kind: 'message' }];
  return payload
    .slice(ENDED_PREFIX.length)
    .split(ID_SEPARATOR)
    .map((sessionId) => ({ sessionId, kind: 'ended' }));
}

/** The payloads of a batch, in its order: each run of ended sessions in one payload. */
function encodeNotices(notices: readonly SessionNotice[]): string[] {
  const payloads: string[] = [];
  let ended: string[] = [];
  const endRun = () => {
    if (ended.length > 0) payloads.push(`${ENDED_PREFIX}${ended.join(ID_SEPARATOR)}`);
    ended = [];
  };
  for (const notice of notices) {
    if (notice.kind === 'ended') {
      ended.push(notice.sessionId);
    } else {
      endRun();
      payloads.push(encodeNotice(notice));
    }
  }
  endRun();
  return payloads;
}

/**
 * Redis pub/sub on one channel under REDIS_KEY_PREFIX (channels are shared across databases); the
 * payload is the session id, prefixed with `ended:` when the session has ended (several ended ids
 * separated by spaces: a sweep batch's, published at once by publishAll), or `messages:` and a JSON
 * MessageBatch when one message went to many sessions (a broadcast batch: one notice per batch, not
 * one per session, carrying the message). One subscriber
 * connection per instance; ioredis resubscribes after a reconnect, and what was published meanwhile is
 * picked up by the resync it asks for (every waiter reads again).
 */
export class RedisMessageNotifier implements MessageNotifier {
  private readonly logger = new Logger('MessageNotifier');
  private subscriber: RedisClient | null = null;
  private stateLog: ConnectionStateLog | null = null;

  constructor(private readonly store: RedisStore) {}

  get channel(): string {
    return this.store.key('proactive', 'messages');
  }

  async publish(notice: SessionNotice): Promise<void> {
    await this.store.run((client) => client.publish(this.channel, encodeNotice(notice)));
  }

  /** A run of ended sessions goes as one message (a sweep batch: one PUBLISH, not one per session). */
  async publishAll(notices: readonly SessionNotice[]): Promise<void> {
    await Promise.all(
      encodeNotices(notices).map((payload) =>
        this.store.run((client) => client.publish(this.channel, payload)),
      ),
    );
  }

  async publishMessages(batch: MessageBatch): Promise<void> {
    if (batch.sessions.length === 0) return;
    await this.store.run((client) => client.publish(this.channel, encodeMessages(batch)));
  }

  async listen(listener: (notice: SessionNotice) => void, resync?: () => void): Promise<void> {
    const subscriber = this.store.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.stateLog = ConnectionStateLog.watch(subscriber, 'notifier');
    let connectedBefore = false;
    subscriber.on('ready', () => {
      // ioredis subscribes again by itself; what was published while it was away is read again.
      if (connectedBefore) resync?.();
      connectedBefore = true;
    });
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) for (const notice of decodeNotices(payload)) listener(notice);
    });
    this.subscriber = subscriber;
    try {
      await subscriber.subscribe(this.channel);
    } catch (error) {
      this.logger.warn({ msg: 'not subscribed yet; waiters fall back to polling', err: String(error) });
    }
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (!subscriber) return;
    this.stateLog?.closing();
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  }
}
