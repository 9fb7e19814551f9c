import { Logger } from '@nestjs/common';
import {
  circuitBreaker,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
} from 'cockatiel';
import OpenAI from 'openai';
import { GuideModel, GuideRequest, ProactiveRequest } from './guide-model.port';
import { ModelUnavailableError } from '../domain';
import {
  classifyFailure,
  describeFailure,
  failureOf,
  EmptyAnswerError,
  ModelDeadlineError,
  NotAnOutageError,
  redact,
} from './openai-errors';
import { buildGuideMessages, buildProactiveMessages, ChatMessage } from './prompt-builder';

export interface OpenAiGuideSettings {
  apiKey: string;
  /** Null: the SDK default (https://api.openai.com/v1). */
  baseUrl: string | null;
  model: string;
  /** Deadline of one model call, retries included; for a stream, the longest silence between chunks. */
  timeoutMs: number;
  maxRetries?: number;
  /** Consecutive failures that open the circuit. */
  breakerThreshold?: number;
  /** How long the circuit stays open before one trial call is let through. */
  halfOpenAfterMs?: number;
}

/**
 * The guide on any OpenAI-compatible endpoint through the official SDK (API.md "The model call").
 * The SDK retries transient errors; a circuit breaker makes calls fail at once while the provider is
 * down, instead of every visitor waiting for a timeout. Every failure surfaces as ModelUnavailableError.
 */
export class OpenAiGuideModel implements GuideModel {
  private readonly logger = new Logger(OpenAiGuideModel.name);
  private readonly client: OpenAI;
  private readonly breaker: CircuitBreakerPolicy;

  constructor(private readonly settings: OpenAiGuideSettings) {
    this.client = new OpenAI({
      apiKey: settings.apiKey,
      baseURL: settings.baseUrl ?? undefined,
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries ?? 2,
    });
    this.breaker = circuitBreaker(
      handleWhen((error) => !(error instanceof NotAnOutageError)),
      {
        halfOpenAfter: settings.halfOpenAfterMs ?? 10_000,
        breaker: new ConsecutiveBreaker(settings.breakerThreshold ?? 5),
      },
    );
    this.breaker.onStateChange((state) => this.logCircuit(state));
    this.logger.log(
      `AI provider: openai-compatible, model ${settings.model}${settings.baseUrl ? ` at ${settings.baseUrl}` : ''}`,
    );
  }

  answer(request: GuideRequest): Promise<string> {
    return this.complete(buildGuideMessages(request), request.signal, 'answer');
  }

  compose(request: ProactiveRequest): Promise<string> {
    return this.complete(buildProactiveMessages(request), undefined, `compose ${request.kind}`);
  }

  async *answerStream(request: GuideRequest): AsyncIterable<string> {
    const call = new CallSignal(this.settings.timeoutMs, request.signal);
    let finished = false;
    try {
      const stream = await this.guard('stream', call, () =>
        this.client.chat.completions.create(
          { model: this.settings.model, messages: buildGuideMessages(request), stream: true },
          { signal: call.signal },
        ),
      );
      let received = false;
      try {
        for await (const chunk of stream) {
          call.restartDeadline(); // the deadline bounds silence, not the length of a long answer
          const delta = chunk.choices[0]?.delta?.content;
          if (delta) {
            received = true;
            yield delta;
          }
        }
      } catch (error) {
        // Failures after the stream opened bypass the breaker: it only wraps opening the call.
        throw this.unavailable('stream', classifyFailure(call.reason ?? error, request.signal));
      }
      // The SDK ends an aborted stream quietly, as if the answer were complete: it is not.
      if (call.signal.aborted) {
        throw this.unavailable(
          'stream',
          classifyFailure(call.reason ?? new Error('aborted'), request.signal),
        );
      }
      if (!received) throw this.unavailable('stream', new EmptyAnswerError());
      finished = true;
    } finally {
      // Also runs when the consumer stops early: abort the HTTP call instead of reading on.
      if (!finished) call.abort();
      call.dispose();
    }
  }

  private async complete(messages: ChatMessage[], clientSignal: AbortSignal | undefined, purpose: string) {
    const call = new CallSignal(this.settings.timeoutMs, clientSignal);
    try {
      return await this.guard(purpose, call, async () => {
        const completion = await this.client.chat.completions.create(
          { model: this.settings.model, messages },
          { signal: call.signal },
        );
        const text = completion.choices[0]?.message?.content;
        if (!text?.trim()) throw new EmptyAnswerError();
        return text;
      });
    } finally {
      call.dispose();
    }
  }

  /** Runs one provider call through the breaker; rethrows every failure as ModelUnavailableError. */
  private async guard<T>(purpose: string, call: CallSignal, operation: () => Promise<T>): Promise<T> {
    try {
      return await this.breaker.execute(async () => {
        try {
          return await operation();
        } catch (error) {
          throw classifyFailure(call.reason ?? error, call.clientSignal);
        }
      });
    } catch (error) {
      throw error instanceof ModelUnavailableError ? error : this.unavailable(purpose, error);
    }
  }

  private unavailable(purpose: string, cause: unknown): ModelUnavailableError {
    if (cause instanceof ModelUnavailableError) return cause;
    const description = redact(describeFailure(cause), this.settings.apiKey);
    if (cause instanceof NotAnOutageError && cause.reason === 'client_aborted') {
      this.logger.debug(`Model ${purpose}: ${description}`);
    } else {
      this.logger.warn(`Model ${purpose} failed: ${description}`);
    }
    return new ModelUnavailableError(`AI model unavailable: ${description}`, {
      cause,
      failure: failureOf(cause),
    });
  }

  private logCircuit(state: CircuitState): void {
    const names: Record<CircuitState, string> = {
      [CircuitState.Closed]: 'closed: the provider answers again',
      [CircuitState.Open]: 'open: failing fast after repeated provider failures',
      [CircuitState.HalfOpen]: 'half-open: trying the provider again',
      [CircuitState.Isolated]: 'isolated',
    };
    this.logger.warn(`Model circuit ${names[state]}`);
  }
}

/**
 * The signal of one model call: aborted by the client's signal or by our deadline, whichever comes
 * first. `reason` says when it was the deadline.
 */
class CallSignal {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private readonly onClientAbort = () => this.controller.abort();
  reason: ModelDeadlineError | null = null;

  constructor(
    private readonly timeoutMs: number,
    readonly clientSignal: AbortSignal | undefined,
  ) {
    if (clientSignal?.aborted) this.controller.abort();
    clientSignal?.addEventListener('abort', this.onClientAbort, { once: true });
    this.restartDeadline();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  restartDeadline(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reason = new ModelDeadlineError(this.timeoutMs);
      this.controller.abort();
    }, this.timeoutMs);
    this.timer.unref();
  }

  abort(): void {
    this.controller.abort();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.clientSignal?.removeEventListener('abort', this.onClientAbort);
  }
}
