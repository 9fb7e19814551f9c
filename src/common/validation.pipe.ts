import { ArgumentMetadata, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidatorOptions } from 'class-validator';
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
 * rule, every string of the body and the query must be storable text: this is the one place that
 * keeps lone surrogates and NUL out of both stores and both archives. Route parameters are ids, never
 * stored: one that is not a well-formed id is unknown (404), whatever it holds.
 */
class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const at = metadata.type === 'param' ? null : unstorableTextAt(value);
    if (at !== null) {
      const field = [metadata.data, at].filter(Boolean).join('.') || metadata.type;
      throw new ValidationFailedException([{ field, message: `${field} ${NOT_STORABLE_MESSAGE}` }]);
    }
    // A custom decorator's value (the client info, the Idempotency-Key) has no DTO to check or
    // convert: ValidationPipe would hand it back as it is, after its own async round.
    if (metadata.type === 'custom') return value;
    if (metadata.type === 'body' && isJsonObject(value) && metadata.metatype && this.toValidate(metadata)) {
      return this.toValidBody(value, metadata.metatype);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }

  /**
   * A JSON object body, every body route's case: ValidationPipe's steps for it (the prototype keys
   * stripped, the DTO built, checked, returned), without those for values a parsed JSON object never is
   * (a primitive, binary data, an array with gaps) and without its async rounds.
   */
  private toValidBody(value: object, metatype: Type<unknown>): object {
    this.stripProtoKeys(value);
    const entity = plainToInstance(metatype, value, this.transformOptions) as object;
    const errors = validateSync(entity, this.bodyValidatorOptions);
    if (errors.length > 0) {
      this.stripParentErrorValues(errors);
      throw this.exceptionFactory(errors);
    }
    return entity;
  }

  /** As ValidationPipe passes them (no error names its whole object as its target), built once. */
  private readonly bodyValidatorOptions: ValidatorOptions = {
    ...this.validatorOptions,
    validationError: { target: false, ...this.validatorOptions.validationError },
  };

  /**
   * Every rule of the DTOs is synchronous (none returns a promise): checked without an async round.
   * validateSync skips an async rule, so a rule added here must stay synchronous.
   */
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }
}

/** An object as JSON.parse makes it (what express.json hands over), not an array, not a class instance. */
function isJsonObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailedException(flatten(errors)),
  });
}
