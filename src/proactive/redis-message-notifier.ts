import { Logger } from '@nestjs/common';
import { ConnectionStateLog, RedisClient, RedisStore } from '../store';
import { MessageNotifier, SessionNotice } from './message-notifier.port';

const ENDED_PREFIX = 'ended:';

/** The payload: the session id for a new message, `ended:<id>` for an ended session. */
function encodeNotice(notice: SessionNotice): string {
  return notice.kind === 'ended' ? `${ENDED_PREFIX}${notice.sessionId}` : notice.sessionId;
}

function decodeNotice(payload: string): SessionNotice {
  return payload.startsWith(ENDED_PREFIX)
    ? { sessionId: payload.slice(ENDED_PREFIX.length), kind: 'ended' }
    : { sessionId: payload, kind: 'message' };
}

/**
 * Redis pub/sub on one channel under REDIS_KEY_PREFIX (channels are shared across databases); the
 * payload is the session id, prefixed with `ended:` when the session has ended. One subscriber
 * connection per instance; ioredis resubscribes after a reconnect, and what was published meanwhile is
 * picked up by the waiters' fallback re-read (and an SSE stream's heartbeat check).
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

  /** One pipeline on a single node; on a Cluster (a pipeline is for one slot) sent back to back. */
  async publishAll(notices: readonly SessionNotice[]): Promise<void> {
    if (notices.length === 0) return;
    if (this.store.isCluster) {
      await Promise.all(notices.map((notice) => this.publish(notice)));
      return;
    }
    const replies = await this.store.run((client) => {
      const pipeline = client.pipeline();
      for (const notice of notices) pipeline.publish(this.channel, encodeNotice(notice));
      return pipeline.exec();
    });
    const failed = replies?.find(([error]) => error)?.[0];
    if (failed) throw failed;
  }

  async listen(listener: (notice: SessionNotice) => void): Promise<void> {
    const subscriber = this.store.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.stateLog = ConnectionStateLog.watch(subscriber, 'notifier');
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) listener(decodeNotice(payload));
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
