import { RedisStore } from '../store';
import * as Lua from './redis-session.scripts';
import { messageFromEntry, StreamEntry } from './session-record.codec';
import { MessagePage, PushedMessage, SessionStoreSettings } from './session.repository';
import { NewOutboxMessage, OutboxMessage } from '../domain';

/** The KEYS each session script gets (RedisSessionRepository's layout). */
const KEYS_PER_SESSION = 5;

/**
 * PUSH_MESSAGE for many sessions as one script (a single node, where a script may name keys of any
 * slot): KEYS holds each session's keys in turn, the reply has one entry per session. One command for
 * a broadcast chunk rather than one per session. A script error stops the chunk where it is: what ran
 * stands, and the delivery key keeps a retry from pushing it twice.
 */
const PUSH_MESSAGE_EACH = `
local function push(K)
${Lua.PUSH_MESSAGE.replaceAll('KEYS', 'K')}
end
local replies = {}
for i = 1, #KEYS, ${KEYS_PER_SESSION} do
  replies[#replies + 1] = push({unpack(KEYS, i, i + ${KEYS_PER_SESSION - 1})})
end
return replies
`;

type Pushed = [string, string] | null;

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
    const pushed = await this.store.script<Pushed>(
      Lua.PUSH_MESSAGE,
      keys,
      this.pushArgs(message, now, deliveryKey),
    );
    return pushed ? { ...message, id: pushed[0] } : null;
  }

  /**
   * `push` to many sessions (their KEYS each): one script for all of them on a single node; on a
   * Cluster, where a script reaches one slot only, one script per session, all sent at once.
   */
  async pushEach(
    keySets: string[][],
    message: NewOutboxMessage,
    now: number,
    deliveryKey?: string,
  ): Promise<Array<PushedMessage | null>> {
    const args = this.pushArgs(message, now, deliveryKey);
    const replies =
      this.store.isCluster || keySets.length < 2
        ? await this.store.scriptEach<Pushed>(Lua.PUSH_MESSAGE, keySets, args)
        : await this.store.script<Pushed[]>(PUSH_MESSAGE_EACH, keySets.flat(), args);
    return replies.map((pushed) => (pushed ? { ...message, id: pushed[0], after: pushed[1] } : null));
  }

  private pushArgs(message: NewOutboxMessage, now: number, deliveryKey?: string): Array<string | number> {
    return [
      now,
      this.settings.idleTtlMs,
      this.settings.historyMaxTurns,
      this.settings.outboxMaxLength,
      message.kind,
      message.text,
      message.poiId ?? '',
      message.createdAt,
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
