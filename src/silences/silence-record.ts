import {
  array,
  boolean,
  type infer as Infer,
  literal,
  nullable,
  number,
  object,
  optional,
  string,
} from "zod/mini";
import { keyPart } from "../pipeline/keys.ts";

/**
 * A silence (docs/architecture.md, "Silences"), stored as `silences/<id>`: what it matches (site glob,
 * branch glob, source, or one stream exactly, as a Mute from Slack does), until when (or until the
 * stream's episode recovers), who set it, why and when. While one matches, nothing is posted for the
 * stream. Records read back are parsed with this schema, never cast.
 */
export const silenceMatchSchema = object({
  /** Glob on the site (repository full name, Netlify site name, GitLab project path), as in ROUTES. */
  site: nullable(string()),
  branch: nullable(string()),
  source: nullable(string()),
  /** One stream exactly (src/event.ts streamKey): the Mute control's silence. */
  stream: nullable(string()),
  /** These sites exactly (any case): the "Mute these sites" control of a storm digest. */
  sites: optional(nullable(array(string()))),
});
export type SilenceMatch = Infer<typeof silenceMatchSchema>;

const silenceSchema = object({
  v: literal(1),
  id: string(),
  match: silenceMatchSchema,
  /** Epoch ms; null with `untilGreen`. */
  until: nullable(number()),
  /** Ends when the stream's episode recovers (the pipeline deletes it then). */
  untilGreen: boolean(),
  /** `<@U…>` from Slack, `cli`, or `status route`. */
  by: string(),
  reason: nullable(string()),
  createdAt: number(),
});
export type Silence = Infer<typeof silenceSchema>;

export const SILENCES_PREFIX = "silences/";
export const silenceKey = (id: string): string => `${SILENCES_PREFIX}${keyPart(id)}`;

export const parseSilence = (value: unknown): Silence | null => {
  const parsed = silenceSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
};
