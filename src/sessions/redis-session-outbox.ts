import { RedisStore } from '../store';
import * as Lua from './redis-session.scripts';
import { messageFromEntry, StreamEntry } from './session-record.codec';
import { MessagePage, PushedMessage, SessionStoreSettings } from './session.repository';
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
    const pushed = await this.store.script<[string, string] | null>(
      Lua.PUSH_MESSAGE,
      keys,
      this.pushArgs(message, now, deliveryKey),
    );
    return pushed ? { ...message, id: pushed[0] } : null;
  }

  /** `push` to many sessions (their KEYS each) in one pipeline. */
  async pushEach(
    keySets: string[][],
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<Array<PushedMessage | null>> {
    const replies = await this.store.scriptEach<[string, string] | null>(
      Lua.PUSH_MESSAGE,
      keySets,
      this.pushArgs(message, now, deliveryKey),
    );
    return replies.map((pushed) => (pushed ? { ...message, id: pushed[0], after: pushed[1] } : null));
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
    const reply = await this.store.script<[StreamEntry[], number, string] | []>(Lua.READ_MESSAGES, keys, [
      after ?? '',
      limit,
    ]);
    if (reply.length === 0) return { messages: [], pending: 0 };
    return { messages: reply[0].map(messageFromEntry), pending: reply[1], from: reply[2] };
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
