import { EndReason, SessionSnapshot } from '../domain';
import { EndMode } from './session.repository';

/** What marking one id of a batch found. */
export type BatchMark =
  /** Marked now, or already ending (`reason` is the one in force): its content, to archive. */
  | { id: string; status: 'ended'; reason: EndReason; snapshot: SessionSnapshot }
  /** No session under the id any more: an index leftover, to purge. */
  | { id: string; status: 'gone' }
  /** Not to end under the mode (active again, not expired): left alone. */
  | { id: string; status: 'kept' }
  /** The store refused this one (the others of the batch are unaffected). */
  | { id: string; status: 'failed'; error: unknown };

/**
 * Ending many sessions at once (the sweep): the same steps as one end, each done for a whole batch in
 * one round to the store. A session is deleted only by `purge`, which the caller runs after the batch's
 * archive write succeeded; a crash in between leaves the sessions marked and in the ending set, so a
 * later sweep archives them again (the archive is idempotent per generation).
 */
export interface SessionBatchEnding {
  /**
   * Marks each id as ending for `reason` under `mode` (as SessionLifecycleStore.markEnded does) and reads
   * its content, in one pipelined round; the ended ones leave the activity index for the ending set.
   * One mark per id, in the order given.
   */
  markAndRead(ids: readonly string[], reason: EndReason, now: number, mode: EndMode): Promise<BatchMark[]>;
  /**
   * Deletes every key of these sessions and their index entries, in one pipelined round. Returns the
   * ids whose session this call removed (a concurrent purge elsewhere gets the others), so exactly one
   * caller reports each end.
   */
  purge(ids: readonly string[]): Promise<Set<string>>;
}

export const SESSION_BATCH_ENDING = Symbol('SESSION_BATCH_ENDING');
