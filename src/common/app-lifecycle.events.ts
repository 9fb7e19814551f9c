/**
 * Emitted once when the instance starts draining (SIGTERM): it accepts no new connection, and whoever
 * holds a connection open by design (long-polls, SSE streams) answers and ends it now.
 */
export const APP_DRAINING = 'app.draining';
