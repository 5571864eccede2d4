import { cutText, oneLine } from "../text/one-line.ts";
import { escapeMarkdown, linkTarget } from "./escape-markdown.ts";
import type { KindMessage } from "./kind.ts";
import { isNotice } from "./notice.ts";
import { type DigestView, digestView, type RunView, runView, type Tone, utc } from "./view.ts";

/**
 * The Microsoft Teams message of a notice: one Adaptive Card 1.4, as a Workflows webhook ("When a Teams
 * webhook request is received") takes it:
 * `{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":card}]}`.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
 *
 * TextBlock and FactSet values read a Markdown subset (CommonMark): every payload string goes through
 * escapeMarkdown, which also escapes `<at>` (a mention) and `{{DATE(…)}}` (a date function). The log
 * excerpt is a RichTextBlock (no Markdown at all) in a monospace font. The whole body stays within Teams'
 * 28 KB: what does not fit is dropped, the excerpts first, then digest links, then digest sites (counted).
 */
export const TEAMS_MAX_BYTES = 28_000;
const TITLE_MAX = 200;
const VALUE_MAX = 300;
const ERROR_MAX = 600;

type Element = Record<string, unknown>;
export interface TeamsBody {
  readonly type: "message";
  readonly attachments: ReadonlyArray<{
    readonly contentType: "application/vnd.microsoft.card.adaptive";
    readonly contentUrl: null;
    readonly content: Element;
  }>;
}

const cut = (text: string, max: number): string => cutText(text, max, "utf-16");
const md = (text: string, max = VALUE_MAX): string => escapeMarkdown(oneLine(text, max, "utf-16"));
/** `[label](url)`, the URL percent-encoded where it could end the link (linkTarget). */
const mdLink = (label: string, url: string | null, max = VALUE_MAX): string =>
  url === null ? md(label, max) : `[${md(label, max)}](${linkTarget(url)})`;
/** A RichTextBlock shows text as it is; only a mention or a date function could still be read in it. */
const inert = (text: string): string => text.replace(/<(\/?at)/gi, "<\u200b$1").replace(/\{\{/g, "{\u200b{");

const COLOR: Readonly<Record<Tone, string>> = {
  failure: "Attention",
  recovery: "Good",
  reminder: "Warning",
  test: "Accent",
};
/** The word before the time at the card's foot. */
const WHEN: Readonly<Record<Tone, string>> = {
  failure: "Failed",
  recovery: "Passed",
  reminder: "Failed",
  test: "Sent",
};

const text = (value: string, extra: Element = {}): Element => ({
  type: "TextBlock",
  text: value,
  wrap: true,
  ...extra,
});

const card = (body: Element[], actions: Element[]): TeamsBody => ({
  type: "message",
  attachments: [
    {
      contentType: "application/vnd.microsoft.card.adaptive",
      contentUrl: null,
      content: {
        $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
        type: "AdaptiveCard",
        version: "1.4",
        msteams: { width: "Full" },
        body,
        ...(actions.length === 0 ? {} : { actions }),
      },
    },
  ],
});

const runCard = (view: RunView, excerpts: boolean): TeamsBody => {
  const body: Element[] = [
    text(md(view.title, TITLE_MAX), { size: "Large", weight: "Bolder", color: COLOR[view.tone] }),
  ];
  if (view.summary !== null) body.push(text(md(view.summary)));
  if (view.facts.length > 0) {
    body.push({
      type: "FactSet",
      facts: view.facts.map((fact) => ({ title: fact.label, value: mdLink(fact.value, fact.url) })),
    });
  }
  if (view.jobs.length > 0) body.push(text("**Failed at**", { spacing: "Medium" }));
  for (const job of view.jobs) {
    body.push(text(mdLink(job.label, job.url)));
    if (job.error) body.push(text(md(job.error, ERROR_MAX), { fontType: "Monospace", isSubtle: true }));
    if (excerpts && job.excerpt.length > 0) {
      body.push({
        type: "RichTextBlock",
        inlines: [
          { type: "TextRun", text: inert(job.excerpt.join("\n")), fontType: "Monospace", size: "Small" },
        ],
      });
    }
  }
  body.push(
    text(`${WHEN[view.tone]} ${md(utc(view.at), 40)}`, {
      isSubtle: true,
      size: "Small",
    }),
  );
  const actions = view.links.map((link) => ({
    type: "Action.OpenUrl",
    title: cut(link.label, 40),
    url: linkTarget(link.url),
  }));
  return card(body, actions);
};

const digestCard = (view: DigestView, links: boolean, maxSites: number): TeamsBody => {
  const body: Element[] = [
    text(md(view.title, TITLE_MAX), { size: "Large", weight: "Bolder", color: COLOR[view.tone] }),
    text(md(view.intro), { isSubtle: true }),
  ];
  let shown = 0;
  let total = 0;
  for (const group of view.groups) {
    total += group.sites.length;
    const room = Math.max(0, maxSites - shown);
    if (room === 0) continue;
    const sites = group.sites.slice(0, room);
    shown += sites.length;
    body.push(text(`**${md(group.heading)}**`, { spacing: "Medium" }));
    body.push(text(sites.map((site) => (links ? mdLink(site.name, site.url) : md(site.name))).join(", ")));
  }
  if (shown < total) body.push(text(`…and ${total - shown} more`, { isSubtle: true }));
  return card(body, []);
};

export const teamsBytes = (body: TeamsBody): number => Buffer.byteLength(JSON.stringify(body), "utf8");

/** The Teams body of an outbox message or a test notice, within TEAMS_MAX_BYTES. */
export const teamsMessage = (message: KindMessage): TeamsBody => {
  if (!isNotice(message)) return card([text(md(message.text, 3000))], []);
  if (message.notice !== "digest") {
    const view = runView(message);
    const full = runCard(view, true);
    return teamsBytes(full) <= TEAMS_MAX_BYTES ? full : runCard(view, false);
  }
  const view = digestView(message);
  const sites = view.groups.reduce((sum, group) => sum + group.sites.length, 0);
  for (const links of [true, false]) {
    const body = digestCard(view, links, sites);
    if (teamsBytes(body) <= TEAMS_MAX_BYTES) return body;
  }
  // Fewer sites until it fits (halving, then one by one): the rest are counted.
  let low = 0;
  let high = sites;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (teamsBytes(digestCard(view, false, mid)) <= TEAMS_MAX_BYTES) low = mid;
    else high = mid - 1;
  }
  return digestCard(view, false, low);
};
