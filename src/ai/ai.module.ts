import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PoiModule } from '../poi/poi.module';
import { PoiService } from '../poi/poi.service';
import { createGuideModel } from './guide-model.factory';
import { GUIDE_MODEL, GuideModel } from './guide-model.port';

/** Provides GUIDE_MODEL: inject it with `@Inject(GUIDE_MODEL) model: GuideModel`. */
@Module({
  imports: [PoiModule],
  providers: [
    {
      provide: GUIDE_MODEL,
      inject: [APP_CONFIG, PoiService],
      useFactory: (config: AppConfig, pois: PoiService): GuideModel => createGuideModel(config, pois),
    },
  ],
  exports: [GUIDE_MODEL],
})
export class AiModule {}
