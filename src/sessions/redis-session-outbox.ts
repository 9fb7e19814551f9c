import { RedisStore } from '../store';
import * as Lua from './redis-session.scripts';
import { messageFromEntry, StreamEntry } from './session-record.codec';
import { MessagePage, SessionStoreSettings } from './session.repository';
import { NewOutboxMessage, NewTurn, OutboxMessage } from '../domain';

/**
 * A session's outbox in Redis: the stream `{prefix}s:{ID}:m` (each message also a `proactive` turn in
 * history, written together), its acknowledged cursor, and the once-set `:once` of one-time markers and
 * delivery keys. `keys` are the session's KEYS, as every session script gets them.
 */
export class RedisSessionOutbox {
  constructor(
    private readonly store: RedisStore,
    private readonly settings: SessionStoreSettings,
  ) {}

  async push(
    keys: string[],
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<OutboxMessage | null> {
    const messageId = await this.store.script<string | null>(
      Lua.PUSH_MESSAGE,
      keys,
      this.pushArgs(message, now, deliveryKey),
    );
    return messageId ? { ...message, id: messageId } : null;
  }

  /** `push` to many sessions (their KEYS each) in one pipeline. */
  async pushEach(
    keySets: string[][],
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<Array<OutboxMessage | null>> {
    const ids = await this.store.scriptEach<string | null>(
      Lua.PUSH_MESSAGE,
      keySets,
      this.pushArgs(message, now, deliveryKey),
    );
    return ids.map((id) => (id ? { ...message, id } : null));
  }

  private pushArgs(message: NewOutboxMessage, now: number, deliveryKey?: string): Array<string | number> {
    const turn: NewTurn = { role: 'proactive', text: message.text, createdAt: message.createdAt };
    return [
      now,
      this.settings.idleTtlMs,
      this.settings.historyMaxTurns,
      this.settings.outboxMaxLength,
      message.kind,
      message.text,
      message.poiId ?? '',
      message.createdAt,
      JSON.stringify(turn),
      deliveryKey ?? '',
    ];
  }

  async read(keys: string[], after: string | null, limit: number): Promise<MessagePage> {
    const reply = await this.store.script<[StreamEntry[], number] | []>(Lua.READ_MESSAGES, keys, [
      after ?? '',
      limit,
    ]);
    if (reply.length === 0) return { messages: [], pending: 0 };
    return { messages: reply[0].map(messageFromEntry), pending: reply[1] };
  }

  /** An acknowledged write. */
  async acknowledge(keys: string[], cursor: string): Promise<void> {
    await this.store.scriptConfirmed(Lua.ACKNOWLEDGE, keys, [cursor]);
  }

  async markOnce(keys: string[], marker: string, now: number): Promise<boolean> {
    const added = await this.store.script<number>(Lua.MARK_ONCE, keys, [
      marker,
      now,
      this.settings.idleTtlMs,
    ]);
    return added === 1;
  }

  async isMarked(keys: string[], marker: string): Promise<boolean> {
    return (await this.store.run((client) => client.sismember(keys[3], marker))) === 1;
  }
}
