import { registerDecorator, ValidationOptions } from 'class-validator';

/** A BCP-47 language tag of at most 35 characters (e.g. zh-CN, en, zh-Hant-TW). */
export const LOCALE_PATTERN = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

export const METADATA_LIMITS = { maxKeys: 16, maxValueLength: 256, maxJsonBytes: 2048 };

/** API.md's metadata: a flat object of at most 16 string values of ≤256 characters, ≤2,048 bytes as JSON. */
export function IsSessionMetadata(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSessionMetadata',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `metadata must be a flat object of at most ${METADATA_LIMITS.maxKeys} string values of at most ${METADATA_LIMITS.maxValueLength} characters, at most ${METADATA_LIMITS.maxJsonBytes} bytes as JSON`,
        ...options,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= METADATA_LIMITS.maxKeys &&
            entries.every(([, v]) => typeof v === 'string' && v.length <= METADATA_LIMITS.maxValueLength) &&
            Buffer.byteLength(JSON.stringify(value)) <= METADATA_LIMITS.maxJsonBytes
          );
        },
      },
    });
}

const IMAGE_DATA_URL = /^data:image\/(png|jpeg|webp|gif);base64,([A-Za-z0-9+/]*={0,2})$/;
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** A data URL of a png/jpeg/webp/gif image of at most 5 MiB decoded, or an https URL. */
export function isAcceptableImage(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value.startsWith('https://')) {
    try {
      return new URL(value).protocol === 'https:' && value.length <= 2048;
    } catch {
      return false;
    }
  }
  const match = IMAGE_DATA_URL.exec(value);
  if (!match) return false;
  const base64 = match[2];
  const decodedBytes = (base64.length * 3) / 4 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);
  return base64.length % 4 === 0 && decodedBytes > 0 && decodedBytes <= MAX_IMAGE_BYTES;
}

export function IsImage(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isImage',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: 'image must be a data URL (png, jpeg, webp or gif, at most 5 MiB decoded) or an https URL',
        ...options,
      },
      validator: { validate: isAcceptableImage },
    });
}
