import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiContract, isExempt, ObservedEvent, ObservedResponse, Verdict } from './contract';

/** Per test file, written to test/artifacts/conformance/ and summed by the reporter at the end. */
export interface ConformanceCounts {
  file: string;
  /** Responses whose status, content type and body the document describes. */
  validated: number;
  /** Responses the document does not describe (each one failed the test that received it). */
  undescribed: number;
  /** Outside the API: /docs, /docs-json, static files. */
  exempt: number;
  /** Closed by the client before any status was sent: nothing to check. */
  abandoned: number;
  /** Events of text/event-stream responses checked against their schema. */
  events: number;
  violations: string[];
}

export const COUNTS_DIR = join(__dirname, '..', '..', 'artifacts', 'conformance');

const counts: Omit<ConformanceCounts, 'file'> = {
  validated: 0,
  undescribed: 0,
  exempt: 0,
  abandoned: 0,
  events: 0,
  violations: [],
};
/** Violations since the last test ended; the setup file fails that test with them. */
let pending: string[] = [];

function describeMessage(message: string): void {
  counts.violations.push(message);
  pending.push(message);
}

/** Checks one whole response against its app's document and counts the verdict. */
export function recordResponse(contract: ApiContract | undefined, observed: ObservedResponse): void {
  const verdict: Verdict = contract
    ? contract.check(observed)
    : isExempt(observed)
      ? { kind: 'exempt' }
      : {
          kind: 'undescribed',
          message: `${observed.method} ${observed.url} → ${observed.status}: the app's document was not loaded`,
        };
  if (verdict.kind === 'validated') counts.validated++;
  else if (verdict.kind === 'exempt') counts.exempt++;
  else {
    counts.undescribed++;
    describeMessage(verdict.message);
  }
}

/**
 * An event stream: its status and content type are checked (and counted) when its headers go out,
 * then each event as it is written. A bad event turns the stream into an undescribed response.
 */
export function recordStream(
  contract: ApiContract | undefined,
  observed: ObservedResponse,
): (event: ObservedEvent) => void {
  recordResponse(contract, observed);
  let described = contract?.check(observed).kind === 'validated';
  return (event) => {
    if (!described || !contract) return;
    const problem = contract.checkEvent(observed, event);
    if (!problem) {
      counts.events++;
      return;
    }
    described = false;
    counts.validated--;
    counts.undescribed++;
    describeMessage(problem);
  };
}

export function recordAbandoned(): void {
  counts.abandoned++;
}

export function takePendingViolations(): string[] {
  const taken = pending;
  pending = [];
  return taken;
}

export function writeCounts(testPath: string): void {
  mkdirSync(COUNTS_DIR, { recursive: true });
  const file = basename(testPath);
  const report: ConformanceCounts = { file, ...counts };
  writeFileSync(join(COUNTS_DIR, `${file}.json`), JSON.stringify(report, null, 2));
}
