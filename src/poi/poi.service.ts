import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { StoreUnavailableError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MemoryPoiRepository } from './memory-poi.repository';
import { readPoiFile, SAMPLE_POI_FILE } from './poi-file';
import { POI_REPOSITORY, PoiRepository } from './poi.repository';
import { GeoPoint, Poi, PoiWithDistance } from './poi.types';
import { DEFAULT_SEARCH_RADIUS_M } from './poi.dto';

/**
 * Points of interest for every other module. Seeds the store from POI_FILE when the set is empty, so a
 * set replaced through the admin API survives restarts in Redis mode. Reads are served from a copy of
 * the set in memory (an in-process index, as the embedded adapter keeps), loaded from the store on
 * first use and again whenever the set is replaced, here or (as the store tells) on another instance:
 * a query's POI search costs no store round trip. Distances it returns are whole metres.
 */
@Injectable()
export class PoiService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PoiService.name);
  private seed: { path: string; pois: Poi[] } | null = null;
  private seeded = false;
  private seeding: Promise<void> | null = null;
  private copy: MemoryPoiRepository | null = null;
  private loading: Promise<MemoryPoiRepository> | null = null;
  /** Bumped by every change heard of: a load that began before one is not kept. */
  private version = 0;
  private unwatch: (() => Promise<void>) | null = null;

  constructor(
    @Inject(POI_REPOSITORY) private readonly repository: PoiRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const path = this.config.poiFile ?? SAMPLE_POI_FILE;
    // A bad file stops start-up (PoiFileError names it); a store outage must not: seeding is retried
    // on first use instead.
    this.seed = { path, pois: readPoiFile(path) };
    this.unwatch = await this.repository.watch(() => this.forgetCopy());
    try {
      await this.ensureSeeded();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      this.logger.warn(`POIs not seeded yet, store unavailable; retrying on first use (${error.message})`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.unwatch?.();
  }

  async near(point: GeoPoint, radiusM = DEFAULT_SEARCH_RADIUS_M, limit?: number): Promise<PoiWithDistance[]> {
    return roundDistances(await (await this.current()).near(point, radiusM, limit));
  }

  /** The POIs whose own radius contains `point`, nearest first. */
  async containing(point: GeoPoint): Promise<PoiWithDistance[]> {
    return roundDistances(await (await this.current()).containing(point));
  }

  async get(id: string): Promise<Poi | null> {
    return (await this.current()).get(id);
  }

  async all(): Promise<Poi[]> {
    return (await this.current()).all();
  }

  /** Replaces the whole set (PUT /v1/admin/pois); returns how many POIs it now holds. */
  async replaceAll(pois: Poi[]): Promise<number> {
    await this.repository.replaceAll(pois);
    this.forgetCopy();
    this.seeded = true;
    this.logger.log(`POI set replaced: ${pois.length} POIs`);
    return pois.length;
  }

  /** The set in memory: loaded once, shared by concurrent callers, loaded again after a change. */
  private async current(): Promise<MemoryPoiRepository> {
    await this.ensureSeeded();
    if (this.copy) return this.copy;
    if (!this.loading) {
      const loading = this.load().finally(() => {
        if (this.loading === loading) this.loading = null;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(): Promise<MemoryPoiRepository> {
    const version = this.version;
    const copy = new MemoryPoiRepository();
    await copy.replaceAll(await this.repository.all());
    if (version === this.version) this.copy = copy;
    return copy;
  }

  private forgetCopy(): void {
    this.version += 1;
    this.copy = null;
    this.loading = null;
  }

  private async ensureSeeded(): Promise<void> {
    if (this.seeded || !this.seed) return;
    // One attempt at a time; concurrent callers share it.
    this.seeding ??= this.seedIfEmpty(this.seed).finally(() => (this.seeding = null));
    await this.seeding;
  }

  private async seedIfEmpty(seed: { path: string; pois: Poi[] }): Promise<void> {
    if ((await this.repository.count()) === 0) {
      await this.repository.replaceAll(seed.pois);
      this.logger.log(`Loaded ${seed.pois.length} POIs from ${seed.path}`);
    }
    this.seeded = true;
  }
}

function roundDistances(pois: PoiWithDistance[]): PoiWithDistance[] {
  return pois.map((poi) => ({ ...poi, distanceM: Math.round(poi.distanceM) }));
}
