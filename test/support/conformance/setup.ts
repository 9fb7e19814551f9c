/**
 * The conformance test, run around every e2e spec (jest.config.js `setupFilesAfterEnv`):
 *
 * - every app that startTestApp boots records each response it sends and checks it against its own
 *   /docs-json (server-recorder.ts), whatever client received it; responses of instances started as
 *   processes are checked by a wrapper of the global fetch (fetch-recorder.ts);
 * - a response the document does not describe (status not listed for the operation, content type not
 *   listed, body not matching the schema, a property the schema does not name, no such operation)
 *   fails the test during which it arrived, here in afterEach;
 * - the counts of each spec file go to test/artifacts/conformance/, and reporter.js prints their sum
 *   at the end of the run.
 *
 * A new e2e test is covered without writing anything.
 */
import { fetchChecksSettled, recordingFetch } from './fetch-recorder';
import { takePendingViolations, writeCounts } from './tally';

globalThis.fetch = recordingFetch(globalThis.fetch);

async function judge(): Promise<void> {
  await fetchChecksSettled();
  writeCounts(expect.getState().testPath ?? 'unknown');
  const violations = takePendingViolations();
  if (violations.length > 0) {
    throw new Error(
      `The OpenAPI document does not describe ${violations.length} response(s) of this test:\n- ${violations.join('\n- ')}`,
    );
  }
}

afterEach(judge);
afterAll(judge);
