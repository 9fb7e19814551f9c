import { GeoPoint, Poi, PoiWithDistance } from '../poi';
import { ContextTurn, GuideRequest, ProactiveRequest } from './guide-model.port';
import { languageName } from './localized-text';

/*
 * Chat messages in the OpenAI wire shape, declared here so that prompt building stays free of the SDK
 * (only openai-* adapters import it); they are structurally assignable to ChatCompletionMessageParam.
 */
export interface TextPart {
  type: 'text';
  text: string;
}
export interface ImagePart {
  type: 'image_url';
  image_url: { url: string };
}
export interface SystemChatMessage {
  role: 'system';
  content: string;
}
export interface UserChatMessage {
  role: 'user';
  content: string | Array<TextPart | ImagePart>;
}
export interface AssistantChatMessage {
  role: 'assistant';
  content: string;
}
export type ChatMessage = SystemChatMessage | UserChatMessage | AssistantChatMessage;

/** History budget: characters stand in for tokens (≈ 3,000–6,000 tokens, depending on the script). */
export const HISTORY_BUDGET_CHARS = 12_000;
/** Proactive messages need less context: what was said recently, so the guide does not repeat itself. */
export const PROACTIVE_HISTORY_BUDGET_CHARS = 4_000;
export const MAX_PROMPT_POIS = 5;
const MAX_POI_DESCRIPTION_CHARS = 400;

export interface PromptOptions {
  historyBudgetChars?: number;
}

const PERSONA = [
  'You are a friendly, knowledgeable tour guide talking with a visitor through a mobile app.',
  'Keep answers short and conversational (a few sentences) unless the visitor asks for detail.',
  'Be accurate: when you are not sure of a fact, say so instead of inventing one.',
  'When the visitor sends a photo, tell them what it shows and what is interesting about it.',
].join('\n');

/** The messages for a visitor's question: system, recent history (oldest first), the new user message. */
export function buildGuideMessages(request: GuideRequest, options: PromptOptions = {}): ChatMessage[] {
  return [
    { role: 'system', content: systemPrompt(request.locale, request.location, request.nearbyPois) },
    ...historyMessages(selectHistory(request.history, options.historyBudgetChars ?? HISTORY_BUDGET_CHARS)),
    userMessage(request.text, request.image),
  ];
}

/**
 * The messages for a proactive message. The task goes last as a user message marked as coming from the
 * app, because many chat models expect the conversation to end with a user turn.
 */
export function buildProactiveMessages(
  request: ProactiveRequest,
  options: PromptOptions = {},
): ChatMessage[] {
  const budget = options.historyBudgetChars ?? PROACTIVE_HISTORY_BUDGET_CHARS;
  return [
    { role: 'system', content: systemPrompt(request.locale, undefined, request.nearbyPois) },
    ...historyMessages(selectHistory(request.history, budget)),
    {
      role: 'user',
      content: `(Instruction from the tour app, not typed by the visitor.) ${proactiveTask(request)}`,
    },
  ];
}

/**
 * The most recent turns whose texts fit `budgetChars` together, oldest first. Stops at the first turn
 * that does not fit, so the kept conversation has no holes.
 */
export function selectHistory(history: readonly ContextTurn[], budgetChars: number): ContextTurn[] {
  const kept: ContextTurn[] = [];
  let used = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i];
    if (turn.text.trim() === '') continue;
    if (used + turn.text.length > budgetChars) break;
    used += turn.text.length;
    kept.push(turn);
  }
  return kept.reverse();
}

export function systemPrompt(
  locale: string,
  location: GeoPoint | undefined,
  nearbyPois: PoiWithDistance[],
): string {
  const parts = [
    PERSONA,
    `The visitor's locale is ${locale}. Answer in ${languageName(locale)}, whatever the language of the texts below.`,
  ];
  if (location) {
    parts.push(
      `The visitor's current position: latitude ${location.lat.toFixed(5)}, longitude ${location.lon.toFixed(5)}.`,
    );
  }
  if (nearbyPois.length > 0) {
    const lines = nearbyPois.slice(0, MAX_PROMPT_POIS).map(poiLine);
    parts.push(`Points of interest nearest to the visitor, nearest first:\n${lines.join('\n')}`);
  }
  return parts.join('\n\n');
}

function poiLine(poi: PoiWithDistance): string {
  return `- ${poi.name} (${Math.round(poi.distanceM)} m away): ${truncate(poi.description, MAX_POI_DESCRIPTION_CHARS)}`;
}

function historyMessages(turns: ContextTurn[]): ChatMessage[] {
  // Proactive messages were spoken by the guide, so the model sees them as its own turns.
  return turns.map((turn) =>
    turn.role === 'user' ? { role: 'user', content: turn.text } : { role: 'assistant', content: turn.text },
  );
}

function userMessage(text: string, image: string | undefined): UserChatMessage {
  if (!image) return { role: 'user', content: text };
  return {
    role: 'user',
    content: [
      { type: 'text', text },
      { type: 'image_url', image_url: { url: image } },
    ],
  };
}

function proactiveTask(request: ProactiveRequest): string {
  switch (request.kind) {
    case 'greeting':
      return (
        'The visitor has just opened the app. Write a short, warm welcome (2-3 sentences): introduce ' +
        'yourself as their guide, mention the nearest sight if one is listed, and invite them to ask ' +
        'questions or send a photo.'
      );
    case 'poi':
      return request.poi
        ? `The visitor has just arrived at ${request.poi.name}. Introduce it in 3-4 sentences: what it is, ` +
            `one striking story or detail, and what to look at. Facts: ${describePoi(request.poi)}`
        : 'The visitor has just arrived at a point of interest. Introduce the nearest one listed above in 3-4 sentences.';
    case 'tip':
      return (
        'The visitor has been quiet for a while. Offer one short, useful tip in 1-2 sentences (a sight ' +
        'nearby, a story, or a practical hint), without repeating what you have already said.'
      );
  }
}

function describePoi(poi: Poi): string {
  return truncate(poi.description, MAX_POI_DESCRIPTION_CHARS);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
