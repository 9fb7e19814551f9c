import { Global, Module } from '@nestjs/common';
import { CLOCK, systemClock, systemTimers, TIMERS } from './clock';
import { AfterApiRoutes } from './http/after-api-routes';

/** Cross-cutting providers every module may inject (tests override CLOCK and TIMERS). */
@Global()
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: TIMERS, useValue: systemTimers },
    AfterApiRoutes,
  ],
  exports: [CLOCK, TIMERS, AfterApiRoutes],
})
export class CommonModule {}
