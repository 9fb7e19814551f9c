import { frameServerSentItem } from '../common/http/event-stream';
import { OutboxMessage } from '../domain';
import { messageEvent, toMessageView } from './message-views';

/** What a stream wrote for a message before a batch's view was serialized once. */
const framedOneByOne = (message: OutboxMessage) =>
  frameServerSentItem({ event: 'message', id: message.id, data: toMessageView(message) });

describe('messageEvent', () => {
  const common = [
    {
      kind: 'broadcast',
      text: 'The gate closes at six. "Quotes", \\ and 中文 ✓',
      createdAt: 1_764_000_000_000,
    },
    { kind: 'poi', text: 'The bell tower', poiId: 'bell-tower', createdAt: 1_764_000_000_123 },
    { kind: 'tip', text: 'line one\nline two', createdAt: 0 },
  ] as const;

  it.each(common)('frames a message as a stream wrote it one by one ($kind)', (shared) => {
    const message: OutboxMessage = { ...shared, id: '1764000000000-7' };
    expect(frameServerSentItem(messageEvent(message))).toBe(framedOneByOne(message));
    expect(frameServerSentItem(messageEvent(message, shared))).toBe(framedOneByOne(message));
  });

  it("gives each session of a batch its own id around the batch's one view", () => {
    const shared = common[0];
    const ids = ['1764000000000-0', '1764000000001-0', '1764000000001-1'];
    for (const id of ids) {
      expect(frameServerSentItem(messageEvent({ ...shared, id }, shared))).toBe(
        framedOneByOne({ ...shared, id }),
      );
    }
  });
});
