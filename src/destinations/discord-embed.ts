import { cutText, oneLine } from "../text/one-line.ts";
import { escapeMarkdown, fencedCode, linkTarget } from "./escape-markdown.ts";
import type { KindMessage } from "./kind.ts";
import { isNotice, type Notice, type TestNotice, updateNotice } from "./notice.ts";
import { type DigestView, digestView, type RunView, runView, type Tone } from "./view.ts";

/**
 * The Discord message of a notice: `content` (one line), embeds, and `allowed_mentions: {"parse": []}`
 * always, so that nothing in it can ping anyone. Within Discord's limits
 * (https://discord.com/developers/docs/resources/message#embed-object-embed-limits): content 2,000
 * characters, 10 embeds, 6,000 characters of embed text in all, title 256, description 4,096, 25 fields
 * of name 256 and value 1,024, footer 2,048. Every payload string goes through escapeMarkdown (masked
 * links, headings, `<@…>` and `@everyone` shown as typed); log excerpts are fenced code.
 */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  total: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
} as const;

export interface DiscordEmbed {
  readonly title?: string;
  readonly url?: string;
  readonly description?: string;
  readonly color: number;
  readonly fields?: ReadonlyArray<{
    readonly name: string;
    readonly value: string;
    readonly inline: boolean;
  }>;
  readonly footer?: { readonly text: string };
  readonly timestamp?: string;
}

export interface DiscordBody {
  readonly content: string;
  readonly embeds: readonly DiscordEmbed[];
  readonly allowed_mentions: { readonly parse: readonly [] };
}

const COLOR: Readonly<Record<Tone, number>> = {
  failure: 0xe01e5a,
  recovery: 0x2eb67d,
  reminder: 0xecb22e,
  test: 0x5865f2,
};
const FOOTER = "vigie";

const cut = (text: string, max: number): string => cutText(text, max, "utf-16");
/** Whitespace runs as one space, not cut (md cuts after escaping). */
const flat = (text: string): string => oneLine(text, Number.POSITIVE_INFINITY);
/** Escaped, then cut (the cut may only drop characters, never leave a lone backslash that escapes "…"). */
const md = (text: string, max: number): string => {
  const escaped = escapeMarkdown(flat(text));
  if (escaped.length <= max) return escaped;
  const kept = escaped.slice(0, max - 1);
  return `${kept.endsWith("\\") && !kept.endsWith("\\\\") ? kept.slice(0, -1) : kept}…`;
};
const mdLink = (label: string, url: string | null, max: number): string =>
  url === null ? md(label, max) : `[${md(label, max)}](<${linkTarget(url)}>)`;

/** Characters Discord counts against an embed's share of the 6,000. */
export const embedChars = (embed: DiscordEmbed): number =>
  (embed.title?.length ?? 0) +
  (embed.description?.length ?? 0) +
  (embed.footer?.text.length ?? 0) +
  (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0);

const body = (content: string, embeds: DiscordEmbed[]): DiscordBody => ({
  content: cut(content, DISCORD_LIMITS.content),
  embeds,
  allowed_mentions: { parse: [] },
});

const runMessage = (view: RunView): DiscordBody => {
  const parts: string[] = [];
  if (view.summary !== null) parts.push(md(view.summary, 600));
  if (view.jobs.length > 0) parts.push("**Failed at**");
  let description = parts.join("\n\n");
  let listed = 0;
  for (const job of view.jobs) {
    let piece = `\n${mdLink(job.label, job.url, 300)}`;
    if (job.error) piece += `\n${fencedCode([oneLine(job.error, 600, "utf-16")])}`;
    if (job.excerpt.length > 0) piece += `\n${fencedCode(job.excerpt.map((line) => cut(line, 200)))}`;
    // Room is kept for the "…and N more" line; a long excerpt may also be dropped alone.
    if (description.length + piece.length > 3_600) {
      piece = `\n${mdLink(job.label, job.url, 300)}`;
      if (description.length + piece.length > 3_600) break;
    }
    description += piece;
    listed += 1;
  }
  if (listed < view.jobs.length) description += `\n…and ${view.jobs.length - listed} more`;
  const linkOfTitle = view.links[0]?.url;
  const embed: DiscordEmbed = {
    title: md(view.site, 200),
    ...(linkOfTitle === undefined ? {} : { url: linkOfTitle }),
    ...(description === "" ? {} : { description: description.trim() }),
    color: COLOR[view.tone],
    fields: view.facts.slice(0, DISCORD_LIMITS.fields).map((fact) => ({
      name: md(fact.label, 100),
      value: mdLink(fact.value, fact.url, 300),
      inline: true,
    })),
    footer: { text: FOOTER },
    ...(Number.isNaN(Date.parse(view.at)) ? {} : { timestamp: new Date(Date.parse(view.at)).toISOString() }),
  };
  const extra = view.links.slice(1).map((link) => `[${md(link.label, 60)}](<${linkTarget(link.url)}>)`);
  const content = [md(view.title, 300), ...extra].join(" · ");
  return body(content, [embed]);
};

/**
 * A digest: one embed per group (the tenth takes every group left), sites linked to their logs. When every
 * link does not fit in 6,000 characters, the sites are named without links; what still does not fit is
 * counted in `content` ("…and N more").
 */
const digestMessage = (view: DigestView): DiscordBody => {
  const attempt = (links: boolean): { message: DiscordBody; left: number } => {
    const groups = [...view.groups];
    if (groups.length > DISCORD_LIMITS.embeds) {
      const rest = groups.splice(DISCORD_LIMITS.embeds - 1);
      groups.push({ heading: "Other groups", sites: rest.flatMap((group) => group.sites) });
    }
    let budget = DISCORD_LIMITS.total - FOOTER.length;
    let left = 0;
    const embeds: DiscordEmbed[] = [];
    for (const group of groups) {
      const title = md(group.heading, 200);
      budget -= title.length;
      let description = "";
      for (const site of group.sites) {
        const entry = links ? mdLink(site.name, site.url, 200) : md(site.name, 200);
        const piece = description === "" ? entry : `, ${entry}`;
        if (budget - piece.length < 0 || description.length + piece.length > DISCORD_LIMITS.description) {
          left += 1;
          continue;
        }
        description += piece;
        budget -= piece.length;
      }
      embeds.push({
        title,
        color: COLOR[view.tone],
        ...(description === "" ? {} : { description }),
        ...(embeds.length === groups.length - 1 ? { footer: { text: FOOTER } } : {}),
      });
    }
    const content = `${md(view.title, 300)} · ${md(view.intro, 400)}${left > 0 ? ` …and ${left} more` : ""}`;
    return { message: body(content, embeds), left };
  };
  const linked = attempt(true);
  return linked.left === 0 ? linked.message : attempt(false).message;
};

/**
 * The Discord body of an outbox message or a test notice. `editing`: the recovery rewrites the opening failure message in
 * place, so it says what the opening said, under a "Recovered" title with how long it was broken.
 */
export const discordMessage = (message: KindMessage, editing = false): DiscordBody => {
  if (!isNotice(message)) return body(md(message.text, DISCORD_LIMITS.content), []);
  if (message.notice === "digest") return digestMessage(digestView(message));
  const notice: Exclude<Notice, { notice: "digest" }> | TestNotice =
    editing && message.notice === "recovery" && message.first !== null
      ? updateNotice(message.first, message.event, message.episode)
      : message;
  return runMessage(runView(notice));
};
