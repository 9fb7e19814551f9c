import { BenchContext, ScenarioResult } from '../support/context';
export function sweepUnderLoad(_ctx: BenchContext): Promise<ScenarioResult> {
  return Promise.reject(new Error('todo'));
}
