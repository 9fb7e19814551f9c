import { Logger } from '@nestjs/common';
import { RedisClient, RedisStore } from '../store/redis-store';
import { MessageNotifier } from './message-notifier.port';

/**
 * Redis pub/sub on one channel under REDIS_KEY_PREFIX (channels are shared across databases); the
 * payload is the session id. One subscriber connection per instance; ioredis resubscribes after a
 * reconnect, and what was published meanwhile is picked up by the waiters' fallback re-read.
 */
export class RedisMessageNotifier implements MessageNotifier {
  private readonly logger = new Logger('MessageNotifier');
  private subscriber: RedisClient | null = null;

  constructor(private readonly store: RedisStore) {}

  get channel(): string {
    return this.store.key('proactive', 'messages');
  }

  async publish(sessionId: string): Promise<void> {
    await this.store.run((client) => client.publish(this.channel, sessionId));
  }

  async listen(listener: (sessionId: string) => void): Promise<void> {
    const subscriber = this.store.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, sessionId: string) => {
      if (channel === this.channel) listener(sessionId);
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
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  }
}
