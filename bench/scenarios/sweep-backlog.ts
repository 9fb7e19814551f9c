import { BenchContext, ScenarioResult } from '../support/context';
export function sweepBacklog(_ctx: BenchContext): Promise<ScenarioResult> {
  return Promise.reject(new Error('todo'));
}
