import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorDetail } from './api-error';

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

/** The one global pipe (CONVENTIONS.md): whitelist, reject unknown fields, transform. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailedException(flatten(errors)),
  });
}
