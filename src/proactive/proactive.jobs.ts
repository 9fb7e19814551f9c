/** Queue and job names, their payloads and retry policy (CONVENTIONS.md: names are enums). */
export enum QueueName {
  Proactive = 'proactive',
}

export enum JobName {
  Greeting = 'greeting',
  Poi = 'poi',
  TipScan = 'tip-scan',
  Tip = 'tip',
  BroadcastBatch = 'broadcast-batch',
  TriggerRecovery = 'trigger-recovery',
}

export interface JobPayloads {
  [JobName.Greeting]: { sessionId: string };
  [JobName.Poi]: { sessionId: string; poiId: string };
  [JobName.TipScan]: Record<string, never>;
  /** `tipNumber`: 1..PROACTIVE_MAX_TIPS, which of the session's tips this is. */
  [JobName.Tip]: { sessionId: string; tipNumber: number };
  [JobName.BroadcastBatch]: { broadcastId: string; text: string; sessionIds: string[] };
  [JobName.TriggerRecovery]: Record<string, never>;
}

/** Every job is tried this often, with exponential backoff from `backoffMs`. */
export const JOB_ATTEMPTS = 5;
export const JOB_BACKOFF_MS = 1000;
/** Finished jobs are kept this long, so a job id still dedupes a late duplicate. */
export const JOB_RETENTION_SECONDS = 3600;
/** Jobs one instance runs at once (model calls are I/O bound). */
export const JOB_CONCURRENCY = 8;

/** Job ids dedupe jobs while they are queued (and JOB_RETENTION_SECONDS after). */
export const jobIds = {
  greeting: (sessionId: string) => `greet:${sessionId}`,
  poi: (sessionId: string, poiId: string) => `poi:${sessionId}:${poiId}`,
  tip: (sessionId: string, idleSince: number) => `tip:${sessionId}:${idleSince}`,
  broadcast: (broadcastId: string, batch: number) => `broadcast:${broadcastId}:${batch}`,
} as const;

/**
 * Delivery keys make each message land once per session, ever, even when its job runs again after its
 * instance died between delivering and completing (the key is written with the message, atomically).
 */
export const deliveryKeys = {
  greeting: () => 'greeting',
  poi: (poiId: string) => `poi:${poiId}`,
  tip: (tipNumber: number) => `tip#${tipNumber}`,
  broadcast: (broadcastId: string) => `broadcast:${broadcastId}`,
} as const;

/** The durable trigger of a POI entered (the session's CREATED_TRIGGER stands for its greeting). */
export const poiTrigger = {
  of: (poiId: string) => `poi:${poiId}`,
  /** The POI id of a POI trigger, else null. */
  poiId: (trigger: string) => (trigger.startsWith('poi:') ? trigger.slice('poi:'.length) : null),
} as const;
