import { silenceConditions, silenceEnd } from "../silences/describe-silence.ts";
import { utcMinute } from "../text/utc-minute.ts";
import { type Html, html } from "./html.ts";
import type { ActionsReport } from "./read-silences.ts";

/**
 * The board's "Muted and acknowledged" section: active silences (what they match, until when, who, why)
 * and who is on which episode. Site globs and reasons are operator text, site names payload text: the
 * template escapes every one.
 */
const table = (caption: string, head: readonly string[], rows: readonly Html[]): Html =>
  html`<table><caption>${caption}</caption><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;

export const renderSilences = (actions: ActionsReport | undefined, now: number): Html => {
  const heading = html`<h2 id="muted">Muted and acknowledged</h2>`;
  if (actions === undefined || (actions.silences.length === 0 && actions.acks.length === 0)) {
    return html`${heading}\n<p class="muted">No silence, nobody has said they are on an episode.</p>`;
  }
  const silences =
    actions.silences.length === 0
      ? html`<p class="muted">No silence.</p>`
      : table(
          "Silences: nothing is posted for what they match",
          ["id", "matches", "ends", "by", "why"],
          actions.silences.map(
            (s) =>
              html`<tr><th scope="row"><code>${s.id}</code></th><td>${silenceConditions(s)}</td><td>${silenceEnd(s, now)}</td><td>${s.by}</td><td>${s.reason ?? ""}</td></tr>`,
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
              html`<tr><th scope="row">${a.site}</th><td>${a.branch ?? ""}</td><td>${a.user}</td><td>${utcMinute(a.at)}</td></tr>`,
          ),
        );
  return html`${heading}\n${silences}\n${acks}`;
};
