import { BenchContext, ScenarioResult } from '../support/context';
export function redisBytes(_ctx: BenchContext): Promise<ScenarioResult> {
  return Promise.reject(new Error('todo'));
}
