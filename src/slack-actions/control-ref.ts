import {
  array,
  type infer as Infer,
  literal,
  maxLength,
  minLength,
  nullable,
  number,
  object,
  string,
  union,
} from "zod/mini";
import type { FailureEvent } from "../event.ts";
import { streamKey } from "../event.ts";
import { rerunTargetOf } from "../rerun/rerun-target.ts";

/**
 * What a control on a failure message acts on, carried in the buttons' `value` (Slack gives it back in
 * the interaction, signed): the episode's stream and id, its site and branch (for a silence and for the
 * words of a reply), and the run to re-run. Bounded: a button value holds at most 2,000 characters
 * (https://docs.slack.dev/reference/block-kit/block-elements/button-element); a ref that would not fit
 * gives a message without controls. Parsed with its schema when it comes back, never cast.
 */
export const BUTTON_VALUE_MAX = 2000;

const targetSchema = union([
  object({ source: literal("github"), repository: string(), runId: number() }),
  object({ source: literal("gitlab"), projectId: number(), pipelineId: number() }),
  object({
    source: literal("netlify"),
    siteId: string(),
    production: union([literal(true), literal(false)]),
  }),
]);

const refSchema = object({
  v: literal(1),
  stream: string(),
  episode: string(),
  site: string(),
  branch: nullable(string()),
  target: targetSchema,
});

export type ControlRef = Omit<Infer<typeof refSchema>, "v">;

export const controlRefOf = (event: FailureEvent, episodeId: string): ControlRef => ({
  stream: streamKey(event),
  episode: episodeId,
  site: event.site,
  branch: event.branch,
  target: rerunTargetOf(event),
});

/** The button value, or null when it would exceed Slack's bound. */
export const encodeControlRef = (ref: ControlRef): string | null => {
  const value = JSON.stringify({ v: 1, ...ref });
  return value.length <= BUTTON_VALUE_MAX ? value : null;
};

/** The ref a button carried, or null when it is not one of ours. */
export const decodeControlRef = (value: string): ControlRef | null => {
  if (value.length > BUTTON_VALUE_MAX) return null;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return null;
  }
  const parsed = refSchema.safeParse(json);
  if (!parsed.success) return null;
  const { v: _v, ...ref } = parsed.data;
  return ref;
};

/** A storm digest's "Mute these sites": the sites it names (a part of a storm names its own). */
const stormSchema = object({ v: literal(1), sites: array(string()).check(minLength(1), maxLength(100)) });

export const encodeStormRef = (sites: readonly string[]): string | null => {
  const value = JSON.stringify({ v: 1, sites: [...new Set(sites)] });
  return sites.length > 0 && value.length <= BUTTON_VALUE_MAX ? value : null;
};

export const decodeStormRef = (value: string): string[] | null => {
  if (value.length > BUTTON_VALUE_MAX) return null;
  try {
    const parsed = stormSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data.sites : null;
  } catch {
    return null;
  }
};
