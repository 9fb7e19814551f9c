/**
 * The shared kernel: types, events and errors that several modules speak. It imports no module, so
 * any module may import it without making a cycle.
 */
export * from './archived-session';
export * from './client-info';
export * from './model-unavailable.error';
export * from './proactive.events';
export * from './query.events';
export * from './session.events';
export * from './session.types';
