const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * The board's one escaping helper: every string that reaches its HTML or SVG (site and branch names,
 * job names, errors, reasons: all of them from payloads, hence attacker-controlled) goes through it, in
 * text and in quoted attribute values alike. The five characters of OWASP's rule #1 and #2
 * (https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html).
 */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
