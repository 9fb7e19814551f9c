import { ClaimResult, IdempotencyClaim } from './session.repository';
import { Turn } from '../domain';

/** One idempotency key of a session: held by a request until `until`, then answered for good. */
export interface IdempotencyEntry {
  fingerprint: string;
  token?: string;
  until?: number;
  answer?: Turn;
}

/** The embedded adapter's rules for a session's keys, the same as the Redis scripts'. */
export function claimKey(
  keys: Map<string, IdempotencyEntry>,
  claim: IdempotencyClaim,
  now: number,
  until: number,
): ClaimResult {
  const entry = keys.get(claim.key);
  if (entry) {
    if (entry.fingerprint !== claim.fingerprint) return { status: 'conflict' };
    if (entry.answer) return { status: 'answered', answer: structuredClone(entry.answer) };
    if (entry.token !== claim.token && (entry.until ?? 0) > now) {
      return { status: 'held', until: entry.until ?? 0 };
    }
  }
  keys.set(claim.key, { fingerprint: claim.fingerprint, token: claim.token, until });
  return { status: 'claimed' };
}

export function releaseKey(keys: Map<string, IdempotencyEntry>, claim: IdempotencyClaim): void {
  const entry = keys.get(claim.key);
  if (entry && !entry.answer && entry.token === claim.token) keys.delete(claim.key);
}

export function answerOf(keys: Map<string, IdempotencyEntry>, key: string): Turn | null {
  const answer = keys.get(key)?.answer;
  return answer ? structuredClone(answer) : null;
}

export function recordAnswer(
  keys: Map<string, IdempotencyEntry>,
  claim: IdempotencyClaim,
  answer: Turn,
): void {
  keys.set(claim.key, {
    fingerprint: claim.fingerprint,
    answer: { seq: answer.seq, role: 'assistant', text: answer.text, createdAt: answer.createdAt },
  });
}
