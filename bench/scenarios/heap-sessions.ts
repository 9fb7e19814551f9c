import { BenchContext, ScenarioResult } from '../support/context';
export function heapSessions(_ctx: BenchContext): Promise<ScenarioResult> {
  return Promise.reject(new Error('todo'));
}
