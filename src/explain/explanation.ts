import { array, boolean, type infer as Infer, nullable, number, object, string } from "zod/mini";

/**
 * What `npm run explain -- SITE` shows, as data: built from the stored state by explain-site.ts, sent as
 * JSON by `GET /status/explain?site=` for a deployed vigie (this schema parses it back), rendered by
 * decisions.ts. Every field is vigie's own wording or a name from a payload: never a secret.
 */
const messageSchema = object({
  kind: string(),
  destination: string(),
  /** pending, sending, sent, dead. */
  state: string(),
  attempts: number(),
  lastError: nullable(string()),
  nextAttemptAt: nullable(number()),
});

const runSchema = object({
  /** The run's idempotency key (source, repository or site id, run id). */
  key: string(),
  /** When vigie finished with it (ms); null when the record is missing (pruned after 30 days). */
  at: nullable(number()),
  /** What the pipeline decided (notified, queued, suppressed, ignored, duplicate, failed, accepted). */
  status: nullable(string()),
  reason: string(),
  messages: array(messageSchema),
});

const streamSchema = object({
  stream: string(),
  source: string(),
  /** The site's name, when the state holds it (an open episode); else what the stream key says. */
  site: string(),
  branch: nullable(string()),
  workflow: nullable(string()),
  episode: nullable(
    object({
      openedAt: string(),
      failedRuns: number(),
      lastFailureAt: string(),
      /** pending, message, digest, folded, muted. */
      delivery: string(),
      foldedInto: nullable(string()),
      reminders: number(),
      destinations: array(string()),
    }),
  ),
  lastClosedAt: nullable(string()),
  /** Where its route sends it now: the destinations (empty: muted) and the ROUTES rule (null: none). */
  route: object({ destinations: array(string()), rule: nullable(string()) }),
  /** Newest first. */
  runs: array(runSchema),
});

export const explanationSchema = object({
  site: string(),
  streams: array(streamSchema),
  policy: object({
    branches: nullable(array(string())),
    conclusions: array(string()),
    dryRun: boolean(),
  }),
  /** More stored state than explain reads at once: some streams may be missing. */
  truncated: boolean(),
});

export type Explanation = Infer<typeof explanationSchema>;
export type ExplainedStream = Explanation["streams"][number];
export type ExplainedRun = ExplainedStream["runs"][number];
