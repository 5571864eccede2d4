import { silenceConditions, silenceEnd } from "../silences/describe-silence.ts";
import { escapeHtml as e } from "./escape-html.ts";
import type { ActionsReport } from "./read-silences.ts";

/**
 * The board's "Muted and acknowledged" section: active silences (what they match, until when, who, why)
 * and who is on which episode. Every value is escaped: site globs and reasons are operator text, site
 * names payload text.
 */
const table = (caption: string, head: readonly string[], rows: readonly string[]): string =>
  `<table><caption>${e(caption)}</caption><thead><tr>${head.map((h) => `<th scope="col">${e(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;

export const renderSilences = (actions: ActionsReport | undefined, now: number): string => {
  const heading = `<h2 id="muted">Muted and acknowledged</h2>`;
  if (actions === undefined || (actions.silences.length === 0 && actions.acks.length === 0)) {
    return `${heading}\n<p class="muted">No silence, nobody has said they are on an episode.</p>`;
  }
  const silences =
    actions.silences.length === 0
      ? `<p class="muted">No silence.</p>`
      : table(
          "Silences: nothing is posted for what they match",
          ["id", "matches", "ends", "by", "why"],
          actions.silences.map(
            (s) =>
              `<tr><th scope="row"><code>${e(s.id)}</code></th><td>${e(silenceConditions(s))}</td><td>${e(silenceEnd(s, now))}</td><td>${e(s.by)}</td><td>${e(s.reason ?? "")}</td></tr>`,
          ),
        );
  const acks =
    actions.acks.length === 0
      ? ""
      : table(
          "On it: no reminders for these episodes",
          ["site", "branch", "who", "since"],
          actions.acks.map(
            (a) =>
              `<tr><th scope="row">${e(a.site)}</th><td>${e(a.branch ?? "")}</td><td>${e(a.user)}</td><td>${e(new Date(a.at).toISOString().slice(0, 16).replace("T", " "))} UTC</td></tr>`,
          ),
        );
  return `${heading}\n${silences}\n${acks}`;
};
