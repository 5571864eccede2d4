/**
 * A day of realistic traffic through the real pipeline (policy → episodes → folding → storms → outbox →
 * sweep), with an in-memory store, a recording Slack and a simulated clock: 300 sites, content pushes
 * all day (quick successive pushes cancel superseded runs), a few real breakages fixed by the next
 * push, one site broken all afternoon, sites built by Netlify with cancelled and skipped builds, and a
 * theme update at 14:00 that breaks 60 sites at once, fixed 40 minutes later.
 *
 * `npm run simulate` prints what a person would have seen in Slack; test/unit/pipeline/day.test.ts
 * checks it is what they would want.
 */
import { loadConfig } from "../src/config.ts";
import type { OutboxMessage } from "../src/destinations/kind.ts";
import type { GithubRunEvent, RunEvent } from "../src/event.ts";
import { createLogger } from "../src/log.ts";
import type { MessageKind } from "../src/pipeline/outbox.ts";
import { type PipelineDeps, processVerdict } from "../src/pipeline/pipeline.ts";
import { classify } from "../src/pipeline/policy.ts";
import { sweep } from "../src/pipeline/sweep.ts";
import { validateMessage } from "../src/slack/format.ts";
import { formatNotice } from "../src/slack/format-notice.ts";
import type { SendResult } from "../src/slack/message.ts";
import { normaliseDeploy } from "../src/sources/netlify/normalise.ts";
import { deployPayloadSchema } from "../src/sources/netlify/schema.ts";
import { MemoryStore } from "../src/store/memory-store.ts";

export interface DayMessage {
  readonly at: string;
  readonly header: string;
  readonly text: string;
  readonly problems: readonly string[];
}

export interface DayReport {
  readonly deliveries: number;
  readonly byStatus: Record<string, number>;
  readonly messages: readonly DayMessage[];
  /** Sites that really failed at some point (should all be named in some message). */
  readonly brokenSites: ReadonlySet<string>;
  /** Sites whose runs were only ever cancelled, skipped or green (should never be named). */
  readonly quietSites: ReadonlySet<string>;
  readonly stormSites: ReadonlySet<string>;
  readonly stuckSite: string;
}

/** A small deterministic PRNG (mulberry32), so a simulated day or burst is the same every time. */
export const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const DAY_START = Date.parse("2026-11-27T07:00:00Z");
const MINUTE = 60_000;

interface Happening {
  readonly at: number;
  /** null: dropped by the source's own rules (a cancelled or skipped Netlify build). */
  readonly event: RunEvent | null;
}

export const simulateDay = async (seed = 42): Promise<DayReport> => {
  const rand = random(seed);
  const sites = Array.from({ length: 300 }, (_, i) => `acme/site-${String(i + 1).padStart(3, "0")}`);
  const netlifySites = new Set(sites.slice(250));
  const happenings: Happening[] = [];
  const brokenSites = new Set<string>();
  const touched = new Set<string>();
  let runId = 1_000_000;

  const github = (
    site: string,
    at: number,
    outcome: string,
    overrides: Partial<GithubRunEvent> = {},
  ): Happening => {
    runId++;
    return {
      at,
      event: {
        source: "github",
        site,
        siteUrl: `https://github.com/${site}`,
        workflow: "Build and deploy",
        branch: "main",
        context: "push",
        commit: {
          sha: runId.toString(16).padStart(40, "0"),
          message: "Update content",
          url: null,
          author: "Editor",
        },
        outcome,
        detail: null,
        logsUrl: `https://github.com/${site}/actions/runs/${runId}`,
        actor: "editor",
        attempt: 1,
        occurredAt: new Date(at).toISOString(),
        repository: site,
        workflowId: 7,
        runId,
        runNumber: runId % 1000,
        ...overrides,
      },
    };
  };
  // Netlify notifications go through the real normalisation, where the cancel rules live.
  const netlify = (
    site: string,
    at: number,
    state: "error" | "ready",
    errorMessage: string | null,
  ): Happening => {
    runId++;
    const name = site.replace("/", "-");
    const deploy = deployPayloadSchema.parse({
      id: runId.toString(16).padStart(24, "0"),
      site_id: `site-id-${name}`,
      name,
      state,
      error_message: errorMessage,
      branch: "main",
      context: "production",
      commit_ref: runId.toString(16).padStart(40, "0"),
      commit_url: null,
      title: "Update content",
      committer: "Editor",
      ssl_url: `https://${name}.netlify.app`,
      created_at: new Date(at - 60_000).toISOString(),
      updated_at: new Date(at).toISOString(),
    });
    const interpretation = normaliseDeploy(deploy, state === "error" ? "deploy_failed" : "deploy_created");
    return interpretation.kind === "run" ? { at, event: interpretation.event } : { at, event: null };
  };
  const displayName = (site: string) => (netlifySites.has(site) ? site.replace("/", "-") : site);

  // Who breaks today: one site from 12:00 on, and a quarter of the GitHub-built sites (60) during the
  // theme update at 14:00, until it is fixed at 14:40.
  const stuckSite = "acme/site-013";
  const stormStart = DAY_START + 7 * 60 * MINUTE;
  const stormSites = new Set(
    sites
      .slice(0, 250)
      .filter((site, i) => i % 4 === 1 && site !== stuckSite)
      .slice(0, 60),
  );
  const duringStorm = (site: string, at: number) =>
    stormSites.has(site) && at >= stormStart - 5 * MINUTE && at <= stormStart + 45 * MINUTE;

  // Content pushes all day: bursts of 1-4 pushes a few seconds apart cancel the superseded runs.
  for (const site of sites) {
    if (site === stuckSite) continue;
    const pushes = 1 + Math.floor(rand() * 6);
    for (let p = 0; p < pushes; p++) {
      const at = DAY_START + Math.floor(rand() * 13 * 60) * MINUTE;
      if (duringStorm(site, at)) continue;
      const burst = 1 + Math.floor(rand() * 4);
      for (let b = 0; b < burst - 1; b++) {
        const cancelledAt = at + b * 20_000 + 15_000;
        happenings.push(
          netlifySites.has(site)
            ? netlify(site, cancelledAt, "error", "Failed during stage 'building site': Canceled build")
            : github(site, cancelledAt, "cancelled"),
        );
      }
      const finishedAt = at + burst * 20_000 + 90_000;
      const breaks = rand() < 0.01;
      if (breaks) {
        brokenSites.add(displayName(site));
        happenings.push(
          netlifySites.has(site)
            ? netlify(
                site,
                finishedAt,
                "error",
                "Failed during stage 'building site': Build script returned non-zero exit code: 2",
              )
            : github(site, finishedAt, "failure"),
        );
        // The editor notices the broken page and fixes it with the next push, 20 minutes later.
        happenings.push(
          netlifySites.has(site)
            ? netlify(site, finishedAt + 20 * MINUTE, "ready", null)
            : github(site, finishedAt + 20 * MINUTE, "success"),
        );
      } else if (netlifySites.has(site) && rand() < 0.3) {
        happenings.push(
          netlify(
            site,
            finishedAt,
            "error",
            "Failed during stage 'checking build content for changes': Canceled build due to no content change",
          ),
        );
      } else {
        happenings.push(
          netlifySites.has(site)
            ? netlify(site, finishedAt, "ready", null)
            : github(site, finishedAt, "success"),
        );
      }
    }
  }

  // The stuck site: every push fails from 12:00 on; reminders should come, and no recovery.
  brokenSites.add(stuckSite);
  for (let h = 0; h < 8; h++)
    happenings.push(github(stuckSite, DAY_START + (5 * 60 + h * 50) * MINUTE, "failure"));

  // 14:00, a theme update: every GitHub-built site rebuilds within a minute, 60 of them break.
  for (const site of sites.slice(0, 250)) {
    if (site === stuckSite) continue;
    const at = stormStart + Math.floor(rand() * 50_000);
    const broken = stormSites.has(site);
    if (broken) brokenSites.add(site);
    happenings.push(
      github(site, at, broken ? "failure" : "success", { workflow: "Build and deploy", workflowId: 7 }),
    );
    // 40 minutes later the theme is fixed and every site rebuilds green.
    if (broken) happenings.push(github(site, at + 40 * MINUTE, "success"));
  }

  for (const { event } of happenings) if (event) touched.add(event.site);
  const quietSites = new Set([...touched].filter((site) => !brokenSites.has(site)));
  happenings.sort((a, b) => a.at - b.at);

  // The pipeline, as deployed: the sweep runs every minute.
  let now = DAY_START;
  const store = new MemoryStore();
  const messages: DayMessage[] = [];
  const slack = {
    send: async (stored: OutboxMessage): Promise<SendResult> => {
      const message = formatNotice(stored);
      const header = message.blocks.find((block) => block.type === "header");
      messages.push({
        at: new Date(now).toISOString(),
        header: header?.type === "header" ? header.text.text : message.text,
        text: JSON.stringify(message),
        problems: validateMessage(message),
      });
      return { kind: "sent" };
    },
  };
  const deps: PipelineDeps = {
    config: loadConfig({ REMINDER_HOURS: "3" }),
    store,
    slack,
    log: createLogger(() => undefined),
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    slackIntervalMs: 1_100,
    slackTimeoutMs: 5_000,
  };
  const byStatus: Record<string, number> = {};
  let nextSweep = DAY_START + MINUTE;
  for (const { at, event } of happenings) {
    while (nextSweep <= at) {
      now = Math.max(now, nextSweep);
      await sweep(deps);
      nextSweep += MINUTE;
    }
    now = Math.max(now, at);
    if (event === null) {
      byStatus.ignored = (byStatus.ignored ?? 0) + 1;
      continue;
    }
    const result = await processVerdict(classify(event, deps.config), deps, now + 8_000);
    byStatus[result.status] = (byStatus[result.status] ?? 0) + 1;
  }
  for (let i = 0; i < 60; i++) {
    now = Math.max(now, nextSweep);
    await sweep(deps);
    nextSweep += MINUTE;
  }
  return {
    deliveries: happenings.length,
    byStatus,
    messages,
    brokenSites,
    quietSites,
    stormSites,
    stuckSite,
  };
};

export const kindOf = (message: DayMessage): MessageKind | "other" => {
  if (/^\S+ \d+ sites? (failed at once|recovered)/u.test(message.header)) return "digest";
  if (message.header.startsWith("✅")) return "recovery";
  if (message.header.startsWith("⏰")) return "reminder";
  if (message.header.startsWith("❌")) return "failure";
  return "other";
};
