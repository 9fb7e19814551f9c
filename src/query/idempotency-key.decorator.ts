import { createParamDecorator, ExecutionContext, Injectable, PipeTransform } from '@nestjs/common';
import type { Request } from 'express';
import { ValidationFailedException } from '../common/validation.pipe';

/** API.md: 1–64 characters of `A-Z a-z 0-9 _ -`. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The `Idempotency-Key` header: absent is fine, anything malformed is 400 VALIDATION_FAILED. */
@Injectable()
export class ParseIdempotencyKeyPipe implements PipeTransform<unknown, string | undefined> {
  transform(value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(value)) {
      throw new ValidationFailedException([
        {
          field: 'Idempotency-Key',
          message: 'Idempotency-Key must be 1 to 64 characters of A-Z a-z 0-9 _ -',
        },
      ]);
    }
    return value;
  }
}

const idempotencyKeyHeader = createParamDecorator(
  (_: unknown, context: ExecutionContext): unknown =>
    context.switchToHttp().getRequest<Request>().headers['idempotency-key'],
);

/** The validated `Idempotency-Key` header of the request, or undefined when it has none. */
export const IdempotencyKey = (): ParameterDecorator => idempotencyKeyHeader(ParseIdempotencyKeyPipe);
