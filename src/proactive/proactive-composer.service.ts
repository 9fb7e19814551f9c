import { Inject, Injectable, Logger } from '@nestjs/common';
import { GUIDE_MODEL, GuideModel, ProactiveRequest, templateMessage } from '../ai';
import { toStorableText } from '../common/well-formed-text';
import { PoiService, GeoPoint, Poi } from '../poi';
import { redactSessionId, SessionService } from '../sessions';
import { SessionRecord } from '../domain';

const CONTEXT_TURNS = 20;
const NEARBY_RADIUS_M = 1000;
const NEARBY_LIMIT = 5;

/**
 * Writes a proactive message with the model, the conversation and the POIs as context. When the model
 * fails, a template text is used instead: a proactive message is never lost to a model outage.
 */
@Injectable()
export class ProactiveComposer {
  private readonly logger = new Logger(ProactiveComposer.name);

  constructor(
    private readonly sessions: SessionService,
    private readonly pois: PoiService,
    @Inject(GUIDE_MODEL) private readonly model: GuideModel,
  ) {}

  async compose(kind: ProactiveRequest['kind'], record: SessionRecord, poi?: Poi): Promise<string> {
    const location: GeoPoint | undefined =
      record.lastLat !== null && record.lastLon !== null
        ? { lat: record.lastLat, lon: record.lastLon }
        : poi && { lat: poi.lat, lon: poi.lon };
    const [history, nearbyPois] = await Promise.all([
      record.turnCount > 0 ? this.sessions.recentTurns(record.id, CONTEXT_TURNS) : Promise.resolve([]),
      location ? this.pois.near(location, NEARBY_RADIUS_M, NEARBY_LIMIT) : Promise.resolve([]),
    ]);
    try {
      const text = await this.model.compose({
        kind,
        locale: record.locale,
        history: history.map((turn) => ({ role: turn.role, text: turn.text })),
        poi,
        nearbyPois,
      });
      // The model's text is not checked input: made storable here (see well-formed-text.ts).
      if (text.trim()) return toStorableText(text);
    } catch (error) {
      this.logger.warn({
        msg: 'model unavailable for a proactive message; sending the template',
        kind,
        sessionId: redactSessionId(record.id),
        err: error instanceof Error ? error.message : String(error),
      });
    }
    return templateMessage(kind, record.locale, poi);
  }
}
