import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ReplacePoisDto } from './poi.dto';
import { Poi } from './poi.types';

/** The bundled sample (copied next to the compiled code by nest-cli's assets rule). */
export const SAMPLE_POI_FILE = join(__dirname, 'data', 'sample-pois.json');

export class PoiFileError extends Error {
  constructor(path: string, problem: string) {
    super(`POI_FILE ${path}: ${problem}`);
    this.name = 'PoiFileError';
  }
}

/**
 * Reads and validates a POI file: a JSON array of POIs, or `{"pois": [...]}` (the body of
 * PUT /v1/admin/pois). The rules are the admin API's, so a file and an upload are accepted alike.
 */
export function readPoiFile(path: string): Poi[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PoiFileError(path, error instanceof Error ? error.message : String(error));
  }
  const body = Array.isArray(parsed) ? { pois: parsed } : parsed;
  const dto = plainToInstance(ReplacePoisDto, body);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const problems = flatten(errors);
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new PoiFileError(path, `invalid POI data: ${problems.slice(0, 5).join('; ')}${more}`);
  }
  return dto.pois.map(({ id, name, description, lat, lon, radiusM }) => ({
    id,
    name,
    description,
    lat,
    lon,
    radiusM,
  }));
}

/** `pois.3.lat: lat must not be greater than 85.05` for every failed constraint, depth first. */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => `${path}: ${message}`);
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
