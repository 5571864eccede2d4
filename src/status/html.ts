/**
 * The board's one way to write HTML: `html\`…\`` escapes every interpolation (text and quoted attribute
 * values alike: the five characters of OWASP's rules #1 and #2,
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html), unless
 * it is itself `html` or marked `raw(...)`. So forgetting to escape a payload string (a site, a branch, a
 * job name, an error: all attacker-controlled) is not possible; `raw` is for vigie's own constant markup.
 * The idea is hono's `html` helper.
 */
export class Html {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
}

/** Interpolated as they are: nothing, a number, text (escaped), markup, or a list of them (joined). */
export type HtmlValue = string | number | Html | null | undefined | false | readonly HtmlValue[];

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export const escapeText = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);

const render = (value: HtmlValue): string => {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.toString();
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return escapeText(value);
  return value.map(render).join("");
};

/** Markup that is vigie's own (never a payload string): interpolated without escaping. */
export const raw = (text: string): Html => new Html(text);

export const html = (strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html =>
  new Html(strings.reduce((out, part, i) => out + part + render(values[i]), ""));
