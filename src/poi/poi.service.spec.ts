import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { MemoryPoiRepository } from './memory-poi.repository';
import { PoiFileError, readPoiFile, SAMPLE_POI_FILE } from './poi-file';
import { PoiService } from './poi.service';

const config = (poiFile: string | null) => ({ poiFile }) as AppConfig;

function writeTemp(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'poi-')), 'pois.json');
  writeFileSync(path, content);
  return path;
}

const MERIDIAN_GATE = { lat: 39.9136, lon: 116.391 };

describe(PoiService.name, () => {
  let repository: MemoryPoiRepository;

  beforeEach(() => {
    repository = new MemoryPoiRepository();
  });

  describe('onModuleInit', () => {
    it('loads the bundled sample when POI_FILE is unset and the set is empty', async () => {
      const sut = new PoiService(repository, config(null));
      await sut.onModuleInit();
      expect(await repository.count()).toBeGreaterThanOrEqual(15);
    });

    it('keeps a set that is already there (e.g. replaced through the admin API)', async () => {
      await repository.replaceAll([{ id: 'x', name: 'X', description: '', lat: 1, lon: 2, radiusM: 10 }]);
      await new PoiService(repository, config(null)).onModuleInit();
      expect(await repository.count()).toBe(1);
    });

    it('accepts a bare array as well as {"pois": [...]}', async () => {
      const path = writeTemp(
        JSON.stringify([{ id: 'a', name: 'A', description: 'd', lat: 1, lon: 2, radiusM: 5 }]),
      );
      await new PoiService(repository, config(path)).onModuleInit();
      expect(await repository.get('a')).toEqual({
        id: 'a',
        name: 'A',
        description: 'd',
        lat: 1,
        lon: 2,
        radiusM: 5,
      });
    });

    it('stops with an error naming the file when it is missing', async () => {
      const sut = new PoiService(repository, config('/nonexistent/pois.json'));
      await expect(sut.onModuleInit()).rejects.toThrow(/POI_FILE \/nonexistent\/pois\.json/);
    });

    it('stops with an error naming the file and the field when the data is invalid', async () => {
      const path = writeTemp(
        JSON.stringify({ pois: [{ id: 'a', name: 'A', description: '', lat: 95, lon: 2 }] }),
      );
      const sut = new PoiService(repository, config(path));
      const error = await sut.onModuleInit().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PoiFileError);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(/pois\.0\.lat/);
      expect((error as Error).message).toMatch(/pois\.0\.radiusM/);
    });

    it('rejects a file that repeats an id', () => {
      const poi = { id: 'a', name: 'A', description: '', lat: 1, lon: 2, radiusM: 5 };
      expect(() => readPoiFile(writeTemp(JSON.stringify([poi, poi])))).toThrow(/repeat an id/);
    });
  });

  describe('near', () => {
    it('returns sample POIs nearest first with whole-metre distances', async () => {
      const sut = new PoiService(repository, config(null));
      await sut.onModuleInit();
      const found = await sut.near(MERIDIAN_GATE, 300);
      expect(found[0]).toMatchObject({ id: 'meridian-gate', distanceM: 0 });
      expect(found.every((poi) => Number.isInteger(poi.distanceM))).toBe(true);
      const distances = found.map((poi) => poi.distanceM);
      expect([...distances].sort((a, b) => a - b)).toEqual(distances);
    });

    it('does not reseed a set emptied after start-up', async () => {
      const sut = new PoiService(repository, config(null));
      await sut.onModuleInit();
      await repository.replaceAll([]);
      expect(await sut.near(MERIDIAN_GATE, 300)).toEqual([]);
    });
  });

  describe('containing', () => {
    it('finds the hall the visitor stands in', async () => {
      const sut = new PoiService(repository, config(null));
      await sut.onModuleInit();
      const found = await sut.containing({ lat: 39.9164, lon: 116.3912 });
      expect(found.map((poi) => poi.id)).toEqual(['hall-of-supreme-harmony']);
    });
  });

  describe('replaceAll', () => {
    it('returns the new count', async () => {
      const sut = new PoiService(repository, config(null));
      await sut.onModuleInit();
      expect(await sut.replaceAll([])).toBe(0);
    });
  });
});

describe('sample-pois.json', () => {
  it('is a valid set of at least 15 POIs with bilingual names', () => {
    const pois = readPoiFile(SAMPLE_POI_FILE);
    expect(pois.length).toBeGreaterThanOrEqual(15);
    for (const poi of pois) {
      expect(poi.name).toMatch(/[\u4e00-\u9fff].*[A-Za-z]/);
      expect(poi.description).toMatch(/[\u4e00-\u9fff].*[A-Za-z]/);
    }
  });
});
