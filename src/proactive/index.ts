export { ProactiveModule } from './proactive.module';
export { ProactiveTriggers } from './proactive-triggers.service';
export { BroadcastAnswerDto, BroadcastDto } from './proactive.dto';
export { SessionEventsRoute } from './session-events.route';
