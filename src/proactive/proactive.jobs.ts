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
}

export interface JobPayloads {
  [JobName.Greeting]: { sessionId: string };
  [JobName.Poi]: { sessionId: string; poiId: string };
  [JobName.TipScan]: Record<string, never>;
  [JobName.Tip]: { sessionId: string };
  [JobName.BroadcastBatch]: { broadcastId: string; text: string; sessionIds: string[] };
}

/** Every job is tried this often, with exponential backoff from `backoffMs`. */
export const JOB_ATTEMPTS = 5;
export const JOB_BACKOFF_MS = 1000;
/** Finished jobs are kept this long, so a job id still dedupes a late duplicate. */
export const JOB_RETENTION_SECONDS = 3600;
/** Jobs one instance runs at once (model calls are I/O bound). */
export const JOB_CONCURRENCY = 8;

export const jobIds = {
  greeting: (sessionId: string) => `greet:${sessionId}`,
  poi: (sessionId: string, poiId: string) => `poi:${sessionId}:${poiId}`,
  tip: (sessionId: string, idleSince: number) => `tip:${sessionId}:${idleSince}`,
  broadcast: (broadcastId: string, batch: number) => `broadcast:${broadcastId}:${batch}`,
} as const;
