/**
 * The bounds of an excerpt (docs/architecture.md, "Why it failed"), apart from select-excerpt.ts so that
 * what only bounds a stored excerpt (src/failed-at.ts, loaded at import by every webhook function) does not
 * load the log parsing with it.
 */
export const EXCERPT_MAX_LINES = 12;
export const EXCERPT_LINE_MAX = 200;
export const EXCERPT_MAX_CHARS = 1_500;
