export { StatsModule } from './stats.module';
export { StatsService } from './stats.service';
export type { Stats, TimeseriesMinute } from './stats.service';
export { BUILT_IN_ALERTS } from './alert-rules';
