import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MeteredGuideModel } from './metered-guide-model';
import { MetricsService, ObservabilityModule } from '../observability';
import { PoiModule, PoiService } from '../poi';
import { createGuideModel } from './guide-model.factory';
import { GUIDE_MODEL, GuideModel } from './guide-model.port';

/** Provides GUIDE_MODEL (timed into the metrics): inject it with `@Inject(GUIDE_MODEL) model: GuideModel`. */
@Module({
  imports: [PoiModule, ObservabilityModule],
  providers: [
    {
      provide: GUIDE_MODEL,
      inject: [APP_CONFIG, PoiService, MetricsService],
      useFactory: (config: AppConfig, pois: PoiService, metrics: MetricsService): GuideModel =>
        new MeteredGuideModel(createGuideModel(config, pois), metrics),
    },
  ],
  exports: [GUIDE_MODEL],
})
export class AiModule {}
