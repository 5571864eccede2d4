/** The bound on every payload-derived string vigie logs or stores (summaries, names, reasons). */
export const MAX_LINE = 200;

/**
 * One line of at most `max` characters: whitespace runs (newlines included) become one space, and a cut
 * is marked with "…". Counts code points, so no surrogate pair is split. Payload text is attacker
 * controlled: a commit message must not forge log lines or grow a stored record without bound.
 */
export const oneLine = (text: string, max = MAX_LINE): string => {
  const line = text.replace(/\s+/g, " ").trim();
  const characters = Array.from(line);
  return characters.length <= max ? line : `${characters.slice(0, max - 1).join("")}…`;
};
