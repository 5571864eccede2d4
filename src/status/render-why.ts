import type { FailedAt } from "../event.ts";
import { type Html, html } from "./html.ts";

/**
 * Why it failed, on the board (docs/architecture.md, "Why it failed"): the first failed job's log
 * excerpt, collapsed by default. Every line is payload text, escaped by the template; nothing here makes a
 * link. Open episodes sharing an error signature are grouped by src/status/board-groups.ts.
 */
export const renderExcerpt = (jobs: FailedAt["jobs"]): Html | "" => {
  const job = jobs.find((candidate) => (candidate.excerpt?.length ?? 0) > 0);
  if (!job?.excerpt) return "";
  return html`<details class="why"><summary>Why it failed</summary><pre>${job.excerpt.join("\n")}</pre></details>`;
};
