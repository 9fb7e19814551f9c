/** Why a model call failed: the outcome label of ai_request_duration_seconds, or a visitor gone. */
export type ModelFailure = 'error' | 'timeout' | 'circuit_open' | 'client_aborted';

/** The model could not answer (timeout, provider error, open circuit, or the client went away). */
export class ModelUnavailableError extends Error {
  readonly failure: ModelFailure;

  constructor(message: string, options?: { cause?: unknown; failure?: ModelFailure }) {
    super(message, options);
    this.name = 'ModelUnavailableError';
    this.failure = options?.failure ?? 'error';
  }
}
