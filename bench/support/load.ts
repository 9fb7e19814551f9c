import type { LoadRequest, LoadResult } from '../clients/load';
import { ChildRpc } from './child-rpc';

export type { LoadRequest, LoadResult };

/** The autocannon process: one for the whole run, asked for one load run at a time. */
export class LoadGenerator {
  private readonly rpc = new ChildRpc('clients/load', { fdLimit: 65536 });

  run(request: LoadRequest): Promise<LoadResult> {
    return this.rpc.call<LoadResult>({ request });
  }

  stop(): Promise<void> {
    return this.rpc.stop();
  }
}
