export { AiModule } from './ai.module';
export { GUIDE_MODEL } from './guide-model.port';
export type { ContextTurn, GuideModel, GuideRequest, ProactiveRequest } from './guide-model.port';
export { templateMessage } from './template-messages';
