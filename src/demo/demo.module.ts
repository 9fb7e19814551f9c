import { Module } from '@nestjs/common';
import { BUILT_DEMO_ASSETS_DIR, DEMO_ASSETS_DIR } from './demo-assets';
import { DemoController } from './demo.controller';

@Module({
  controllers: [DemoController],
  providers: [{ provide: DEMO_ASSETS_DIR, useValue: BUILT_DEMO_ASSETS_DIR }],
})
export class DemoModule {}
