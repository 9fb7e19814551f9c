import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail } from './api-error';
import { NOT_STORABLE_MESSAGE, unstorableTextAt } from './well-formed-text';

/** A validation failure with one `{field, message}` detail per problem (API.md). */
export class ValidationFailedException extends Error {
  constructor(readonly details: ErrorDetail[]) {
    super('Validation failed');
    this.name = 'ValidationFailedException';
  }
}

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The one global pipe (CONVENTIONS.md): whitelist, reject unknown fields, transform. Before any DTO
 * rule, every string of the input (body, query, route parameters) must be storable text: this is the
 * one place that keeps lone surrogates and NUL out of both stores and both archives.
 */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const at = unstorableTextAt(value);
    if (at !== null) {
      const field = [metadata.data, at].filter(Boolean).join('.') || metadata.type;
      throw new ValidationFailedException([{ field, message: `${field} ${NOT_STORABLE_MESSAGE}` }]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailedException(flatten(errors)),
  });
}
