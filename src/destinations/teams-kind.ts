import type { Destination } from "../routing/routing.ts";
import type { SendResult } from "../slack/message.ts";
import { FOLLOW_UPS } from "./follow-ups.ts";
import { classifyAnswer, type HttpAnswer, logFailure, request } from "./http-post.ts";
import type { DestinationKind } from "./kind.ts";
import { TEAMS_MAX_BYTES, teamsMessage } from "./teams-card.ts";

type Teams = Extract<Destination, { kind: "teams" }>;

/**
 * A Teams Workflows webhook answers 202 Accepted (200 from older flows) once it took the card; anything
 * else is read as every HTTP kind reads it (http-post.ts): 429 and 5xx retried, 400/401/403/404 dead.
 */
export const classifyTeamsAnswer = (answer: HttpAnswer, url: string, now: number): SendResult =>
  answer.status === 200 || answer.status === 202 ? { kind: "sent" } : classifyAnswer(answer, url, now);

export const teamsKind: DestinationKind<Teams> = {
  id: "teams",
  limits: `one Adaptive Card 1.4 per message, ≤ ${TEAMS_MAX_BYTES / 1000} KB; digests of ≤ 40 sites per card`,
  classify: classifyTeamsAnswer,
  followUps: FOLLOW_UPS.teams,
  format: (message) => teamsMessage(message),
  connect: (destination, deps) => ({
    send: async (message, options = {}) => {
      const posted = await request(
        destination.url,
        { method: "POST", body: JSON.stringify(teamsMessage(message)) },
        { timeoutMs: options.timeoutMs ?? deps.timeoutMs, fetch: deps.fetch },
      );
      const result =
        posted.kind === "answer"
          ? classifyTeamsAnswer(posted.answer, destination.url, (deps.now ?? Date.now)())
          : posted;
      if (result.kind === "retryable" || result.kind === "dead") {
        logFailure(deps.log, result, destination.name, `TEAMS_WEBHOOK_URL_${destination.name}`);
      }
      return result;
    },
  }),
};
