import { END_REASONS, EndReason, OutboxMessage, SessionRecord, Turn, TurnRole } from '../domain';

/** Converts the flat string fields a store keeps into a SessionRecord, and back. */
export function recordFromFields(id: string, fields: Record<string, string>, pending: number): SessionRecord {
  const endReason = fields.endReason as EndReason | undefined;
  return {
    id,
    createdAt: Number(fields.createdAt),
    lastActivityAt: Number(fields.lastActivityAt),
    locale: fields.locale ?? 'zh-CN',
    metadata: fields.metadata ? (JSON.parse(fields.metadata) as Record<string, string>) : {},
    clientIp: fields.clientIp || null,
    userAgent: fields.userAgent || null,
    flags: fields.flags ? fields.flags.split(',') : [],
    turnCount: Number(fields.turnCount ?? 0),
    lastSeq: Number(fields.lastSeq ?? 0),
    generation: Number(fields.generation ?? 0),
    ackCursor: fields.ackCursor ?? '0',
    pendingMessages: pending,
    lastLat: fields.lastLat ? Number(fields.lastLat) : null,
    lastLon: fields.lastLon ? Number(fields.lastLon) : null,
    endReason: endReason && (END_REASONS as readonly string[]).includes(endReason) ? endReason : null,
  };
}

/** The fields that bring a record back (restore); history and outbox are kept elsewhere. */
export function fieldsFromRecord(record: SessionRecord): Record<string, string> {
  const fields: Record<string, string> = {
    createdAt: String(record.createdAt),
    lastActivityAt: String(record.lastActivityAt),
    locale: record.locale,
    metadata: JSON.stringify(record.metadata),
    clientIp: record.clientIp ?? '',
    userAgent: record.userAgent ?? '',
    flags: record.flags.join(','),
    turnCount: String(record.turnCount),
    lastSeq: String(record.lastSeq),
    generation: String(record.generation),
    ackCursor: record.ackCursor,
  };
  if (record.lastLat !== null && record.lastLon !== null) {
    fields.lastLat = String(record.lastLat);
    fields.lastLon = String(record.lastLon);
  }
  return fields;
}

/** Redis answers HGETALL inside Lua as a flat [field, value, …] array. */
export function pairsToObject(flat: string[]): Record<string, string> {
  const object: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) object[flat[i]] = flat[i + 1];
  return object;
}

export function isLive(record: SessionRecord, now: number, idleTtlMs: number): boolean {
  return record.endReason === null && record.lastActivityAt + idleTtlMs >= now;
}

/**
 * A history entry as Redis keeps it: `[seq, roleCode, createdAtMs, text]`, with a 5th element `1` when
 * the question came with an image (the role codes are TURN_ROLE_CODES' order; the Lua side writes the
 * same form, see append_turns). About 40 bytes less per entry than the JSON object it replaced.
 */
export type CompactTurnEntry = [seq: number, role: number, createdAt: number, text: string, hasImage?: 1];

/** The form written before the compact one: the Turn as a JSON object (createdAt epoch ms or ISO). */
interface LegacyTurnEntry {
  seq: number;
  role: TurnRole;
  text: string;
  createdAt: number | string;
  hasImage?: boolean;
}

/** Index = role code, in the compact entry and in the Lua scripts. */
export const TURN_ROLE_CODES: readonly TurnRole[] = ['user', 'assistant', 'proactive'];

export function encodeTurn(turn: Turn): string {
  const entry: CompactTurnEntry = [turn.seq, TURN_ROLE_CODES.indexOf(turn.role), turn.createdAt, turn.text];
  if (turn.hasImage) entry.push(1);
  return JSON.stringify(entry);
}

/** Reads either form: sessions written before the compact form keep working (dual read). */
export function parseTurn(json: string): Turn {
  return turnFromEntry(JSON.parse(json));
}

/** A history entry already parsed from its JSON (either form); throws on anything else. */
export function turnFromEntry(parsed: unknown): Turn {
  if (Array.isArray(parsed)) {
    const [seq, role, createdAt, text, hasImage] = parsed as CompactTurnEntry;
    const turn: Turn = { seq, role: TURN_ROLE_CODES[role] ?? 'proactive', text, createdAt };
    if (hasImage === 1) turn.hasImage = true;
    return turn;
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('not a history entry');
  const legacy = parsed as LegacyTurnEntry;
  const turn: Turn = {
    seq: legacy.seq,
    role: legacy.role,
    text: legacy.text,
    createdAt: typeof legacy.createdAt === 'string' ? Date.parse(legacy.createdAt) : legacy.createdAt,
  };
  if (legacy.hasImage) turn.hasImage = true;
  return turn;
}

/** An idempotency key's answer entry `{f, seq, text, createdAt}` as the assistant turn it names. */
export function answerFromEntry(json: string): Turn {
  const entry = JSON.parse(json) as { seq: number; text: string; createdAt: number };
  return { seq: entry.seq, role: 'assistant', text: entry.text, createdAt: entry.createdAt };
}

/** An outbox stream entry as Redis answers XRANGE. */
export type StreamEntry = [id: string, fields: string[]];

export function messageFromEntry([id, flat]: StreamEntry): OutboxMessage {
  const fields = pairsToObject(flat);
  const message: OutboxMessage = {
    id,
    kind: fields.kind as OutboxMessage['kind'],
    text: fields.text,
    createdAt: Number(fields.createdAt),
  };
  if (fields.poiId) message.poiId = fields.poiId;
  return message;
}

/** A pending trigger as one string: session ids never contain `|`. */
export function triggerMember(sessionId: string, trigger: string): string {
  return `${sessionId}|${trigger}`;
}

export function splitTriggerMember(member: string): [sessionId: string, trigger: string] {
  const bar = member.indexOf('|');
  return [member.slice(0, bar), member.slice(bar + 1)];
}
