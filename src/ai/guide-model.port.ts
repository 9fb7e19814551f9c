import { GeoPoint, Poi, PoiWithDistance } from '../poi';

/** One earlier entry of the conversation, as the model sees it. */
export interface ContextTurn {
  role: 'user' | 'assistant' | 'proactive';
  text: string;
}

export interface GuideRequest {
  locale: string;
  /** Earlier turns, oldest first; the adapter keeps as many recent ones as fit its context budget. */
  history: ContextTurn[];
  /** The new user message. */
  text: string;
  /** A data URL or https URL, sent as an `image_url` part. */
  image?: string;
  location?: GeoPoint;
  /** The POIs nearest to `location`, nearest first (empty when no location is known). */
  nearbyPois: PoiWithDistance[];
  signal?: AbortSignal;
}

/** A request for a proactive message: what the guide should say on its own. */
export interface ProactiveRequest {
  kind: 'greeting' | 'poi' | 'tip';
  locale: string;
  history: ContextTurn[];
  poi?: Poi;
  nearbyPois: PoiWithDistance[];
}

/** The model port: every way the service asks a language model for the guide's words. */
export interface GuideModel {
  answer(request: GuideRequest): Promise<string>;
  /** Streams the answer as text deltas; the concatenation is the whole answer. */
  answerStream(request: GuideRequest): AsyncIterable<string>;
  /** A proactive message text (greeting, POI introduction, idle tip). */
  compose(request: ProactiveRequest): Promise<string>;
}

export const GUIDE_MODEL = Symbol('GUIDE_MODEL');
