import { ModelUnavailableError } from '../domain';
import { AiOutcome, MetricsService } from '../observability';
import { GuideModel, GuideRequest, ProactiveRequest } from './guide-model.port';

/** The outcome label of a failed call; null for a client that went away (no fault of the model). */
function outcomeOf(error: unknown): AiOutcome | null {
  if (!(error instanceof ModelUnavailableError)) return 'error';
  return error.failure === 'client_aborted' ? null : error.failure;
}

/**
 * Times every call of the wrapped model into ai_request_duration_seconds{outcome}. A stream is timed
 * from the call to its last delta; a consumer that stops reading early is a client abort, not counted.
 */
export class MeteredGuideModel implements GuideModel {
  constructor(
    private readonly model: GuideModel,
    private readonly metrics: MetricsService,
  ) {}

  answer(request: GuideRequest): Promise<string> {
    return this.timed(() => this.model.answer(request));
  }

  compose(request: ProactiveRequest): Promise<string> {
    return this.timed(() => this.model.compose(request));
  }

  async *answerStream(request: GuideRequest): AsyncIterable<string> {
    const stop = this.metrics.aiRequests.startTimer();
    let outcome: AiOutcome | null = null;
    try {
      yield* this.model.answerStream(request);
      outcome = 'ok';
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      if (outcome) stop({ outcome });
    }
  }

  private async timed<T>(call: () => Promise<T>): Promise<T> {
    const stop = this.metrics.aiRequests.startTimer();
    try {
      const result = await call();
      stop({ outcome: 'ok' });
      return result;
    } catch (error) {
      const outcome = outcomeOf(error);
      if (outcome) stop({ outcome });
      throw error;
    }
  }
}
