/** The bound on every payload-derived string vigie logs or stores (summaries, names, reasons). */
export const MAX_LINE = 200;

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * `text` at most `max` long, "…" marking a cut; never half a surrogate pair. Counted in code points by
 * default (what a person sees), or in UTF-16 code units where a receiver counts those (JavaScript's
 * `length`: Teams, Discord). vigie's one text-cutting helper: src/slack/escape.ts's `truncate` adds only
 * what escaped mrkdwn needs (never cut inside an entity).
 */
export const cutText = (text: string, max: number, unit: "code-point" | "utf-16" = "code-point"): string => {
  if (text.length <= max) return text;
  if (unit === "utf-16") {
    const end = max - 1;
    return `${text.slice(0, end > 0 && isHighSurrogate(text.charCodeAt(end - 1)) ? end - 1 : end)}…`;
  }
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join("")}…`;
};

/**
 * One line of at most `max` characters: whitespace runs (newlines included) become one space, and a cut
 * is marked with "…" (cutText). Payload text is attacker controlled: a commit message must not forge log
 * lines or grow a stored record without bound.
 */
export const oneLine = (text: string, max = MAX_LINE, unit: "code-point" | "utf-16" = "code-point"): string =>
  cutText(text.replace(/\s+/g, " ").trim(), max, unit);
