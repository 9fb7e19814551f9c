import { Global, Module } from '@nestjs/common';
import { CLOCK, systemClock, systemTimers, TIMERS } from './clock';

/** Cross-cutting providers every module may inject (tests override CLOCK and TIMERS). */
@Global()
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: TIMERS, useValue: systemTimers },
  ],
  exports: [CLOCK, TIMERS],
})
export class CommonModule {}
