import type { components, paths } from './schema';

/** The JSON body of a response, read from the generated `paths` by route, method and status. */
type JsonResponse<
  Path extends keyof paths,
  Method extends keyof paths[Path],
  Status extends number,
> = paths[Path][Method] extends { responses: infer Responses }
  ? Status extends keyof Responses
    ? Responses[Status] extends { content: { 'application/json': infer Body } }
      ? Body
      : never
    : never
  : never;

/** The JSON body a route accepts. */
type JsonRequest<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method] extends {
  requestBody?: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

/** API.md "Session view". */
export type SessionView = JsonResponse<'/v1/sessions', 'post', 201>;
export type CreateSessionBody = NonNullable<JsonRequest<'/v1/sessions', 'post'>>;
export type QueryBody = JsonRequest<'/v1/query', 'post'>;
export type QueryResult = JsonResponse<'/v1/query', 'post', 200>;
/** The stored answer of a query: `seq`, `text`, `createdAt`. */
export type Answer = QueryResult['answer'];
export type Location = NonNullable<QueryBody['location']>;
export type History = JsonResponse<'/v1/sessions/{id}/history', 'get', 200>;
export type Turn = History['turns'][number];
export type LocationReport = JsonResponse<'/v1/sessions/{id}/location', 'post', 202>;
export type MessagesPage = JsonResponse<'/v1/sessions/{id}/messages', 'get', 200>;
/** A proactive message (greeting, POI introduction, tip, broadcast), by long-poll or SSE alike. */
export type ProactiveMessage = MessagesPage['messages'][number];
export type PoiList = JsonResponse<'/v1/pois', 'get', 200>;
export type Poi = PoiList['pois'][number];

/** The `data` of the events of POST /v1/query/stream (`session`, `delta`, `error`; `done` carries an Answer). */
export type StreamSessionData = components['schemas']['StreamSessionData'];
export type StreamDeltaData = components['schemas']['StreamDeltaData'];
export type StreamErrorData = components['schemas']['StreamErrorData'];
