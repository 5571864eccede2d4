import type { Config } from "../config.ts";
import { followUpsOf } from "../destinations/follow-ups.ts";
import { matchRoute } from "../routing/routes.ts";
import { isDryRun } from "../status/dry-run.ts";
import type { Store } from "../store/store.ts";
import type { ExplainedStream, Explanation } from "./explanation.ts";
import {
  openStreams,
  readMessage,
  readRun,
  readStream,
  recentMessages,
  type StoredStream,
  streamKeys,
} from "./read-site.ts";

/**
 * "Why did site X get no message?": the streams of SITE found in the stored state, each with its episode,
 * its last runs and what was decided for each (with the state of the messages they caused), and where its
 * route sends it with this configuration. SITE matches a site's name (`acme/site-3`, or `site-3` alone),
 * or an id in the stream key (a Netlify site id, a GitLab project id). A Netlify or GitLab stream whose
 * episode is closed keeps no name: it is found through a recent message naming the site, or by its id.
 */
export const RUNS_SHOWN = 10;
const MAX_STREAMS = 50;

const sameSite = (name: string, site: string): boolean => {
  const a = name.toLowerCase();
  const b = site.toLowerCase();
  return a === b || a.endsWith(`/${b}`);
};

/** What a stream key says by itself: `source:id:…:branch` (src/event.ts, streamKey). */
const fromKey = (
  stream: string,
): { source: string; site: string; branch: string | null; workflow: string | null } => {
  const [source = "", id = "", third = "", ...rest] = stream.split(":");
  const last = rest.join(":");
  if (source === "gitlab") return { source, site: id, branch: last || null, workflow: third || null };
  return { source, site: id, branch: last || null, workflow: null };
};

const keyMatches = (stream: string, site: string): boolean => {
  const { site: id } = fromKey(stream);
  return sameSite(id, site) || id.toLowerCase() === site.toLowerCase();
};

export const explainSite = async (store: Store, config: Config, site: string): Promise<Explanation> => {
  const found = new Map<string, StoredStream>();
  let truncated = false;
  const add = async (stream: string) => {
    if (found.has(stream) || found.size >= MAX_STREAMS) {
      truncated ||= found.size >= MAX_STREAMS;
      return;
    }
    const state = await readStream(store, stream);
    if (state && (state.site === null ? true : sameSite(state.site, site) || keyMatches(stream, site)))
      found.set(stream, state);
  };
  const all = await streamKeys(store);
  for (const stream of all.filter((s) => keyMatches(s, site))) await add(stream);
  const open = await openStreams(store);
  truncated ||= open.truncated;
  for (const stream of open.streams) {
    const state = found.has(stream) ? null : await readStream(store, stream);
    if (state?.site && sameSite(state.site, site)) found.set(stream, state);
  }
  if (found.size === 0) {
    // Netlify and GitLab streams are keyed by id: a recent message naming the site gives the id.
    const { messages } = await recentMessages(store);
    const ids = new Set(
      messages
        .flatMap(({ cause, summary }) =>
          cause !== null && summary.split(" ").some((word) => sameSite(word, site)) ? [cause] : [],
        )
        .map((cause) => cause.split(":").slice(0, 2).join(":")),
    );
    for (const stream of all.filter((s) => ids.has(s.split(":").slice(0, 2).join(":")))) await add(stream);
  }
  const streams: ExplainedStream[] = [];
  for (const state of found.values()) {
    const key = fromKey(state.stream);
    const name = state.site ?? key.site;
    const branch = state.branch ?? key.branch;
    const workflow = state.workflow ?? key.workflow;
    const route = matchRoute(config.routing.rules, {
      site: name,
      branch,
      source: key.source,
      workflow: workflow ?? "",
    });
    const runs = await Promise.all(
      state.recent
        .slice(-RUNS_SHOWN)
        .reverse()
        .map(async (runKey) => {
          const run = await readRun(store, runKey, state.stream, (d) => followUpsOf(config.routing, d));
          const messages = (await Promise.all(run.messageKeys.map((k) => readMessage(store, k)))).filter(
            (m) => m !== null,
          );
          return {
            key: run.key,
            at: run.at,
            status: run.status,
            reason: run.reason,
            messages: messages.map(({ cause: _c, summary: _s, ...message }) => message),
          };
        }),
    );
    streams.push({
      stream: state.stream,
      source: key.source,
      site: name,
      branch,
      workflow,
      episode: state.episode && { ...state.episode, destinations: [...state.episode.destinations] },
      lastClosedAt: state.lastClosedAt,
      route: {
        destinations: [...route.destinations],
        rule: route.rule ? `${route.rule.number}. ${route.rule.text}` : null,
      },
      runs,
    });
  }
  return {
    site,
    streams,
    policy: {
      branches: config.branches === null ? null : config.branches.map(({ glob }) => glob),
      conclusions: [...config.notifyConclusions],
      dryRun: isDryRun(config.routing),
    },
    truncated,
  };
};
