import { Logger } from '@nestjs/common';
import { ConnectionStateLog, RedisClient, RedisStore } from '../store';
import { MessageBatch, MessageNotifier, noticesOf, SessionNotice } from './message-notifier.port';

const ENDED_PREFIX = 'ended:';
const MESSAGES_PREFIX = 'messages:';

/** The payload: the session id for a new message, `ended:<id>` for an ended session. */
function encodeNotice(notice: SessionNotice): string {
  return notice.kind === 'ended' ? `${ENDED_PREFIX}${notice.sessionId}` : notice.sessionId;
}

/** `messages:` and the batch as JSON: one message delivered to each of these sessions. */
function encodeMessages(batch: MessageBatch): string {
  return `${MESSAGES_PREFIX}${JSON.stringify(batch)}`;
}

function decodeNotices(payload: string): SessionNotice[] {
  if (payload.startsWith(MESSAGES_PREFIX)) {
    return noticesOf(JSON.parse(payload.slice(MESSAGES_PREFIX.length)) as MessageBatch);
  }
  return [
    payload.startsWith(ENDED_PREFIX)
      ? { sessionId: payload.slice(ENDED_PREFIX.length), kind: 'ended' }
      : { sessionId: payload, kind: 'message' },
  ];
}

/**
 * Redis pub/sub on one channel under REDIS_KEY_PREFIX (channels are shared across databases); the
 * payload is the session id, prefixed with `ended:` when the session has ended, or `messages:` and a
 * JSON MessageBatch when one message went to many sessions (a broadcast batch: one notice per batch,
 * not one per session, carrying the message). One subscriber
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
