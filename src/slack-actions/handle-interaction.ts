import { type Env, loadConfig } from "../config.ts";
import { VigieError } from "../errors.ts";
import { jsonResponse, methodNotAllowed, toResponse } from "../http/errors.ts";
import { readBody } from "../http/read-body.ts";
import { lazyImport } from "../lazy-import.ts";
import { describeError, type Logger } from "../log.ts";
import type { RerunDeps } from "../rerun/rerun.ts";
import type { Store } from "../store/store.ts";
import { parseInteraction } from "./parse-interaction.ts";
import { verifySlackSignature } from "./verify-slack-signature.ts";

/** What acting needs (re-runs, silences, the Web API), loaded once a signed click is to be acted on. */
const loadActions = lazyImport(() =>
  Promise.all([import("./perform-action.ts"), import("./slack-replies.ts")]).then(([perform, replies]) => ({
    ...perform,
    ...replies,
  })),
);

/**
 * `POST /slack/interactions` (docs/architecture.md, "Acting from Slack"): Slack's interactivity requests
 * for the controls of vigie's failure messages. In this order: off (404) while SLACK_SIGNING_SECRET is
 * unset; POST only (405); the body read once, bounded (413); its signature checked over those bytes (401);
 * the payload parsed (400 with a log line naming what is wrong; a click vigie has nothing to do with, like
 * a link button, 200). Slack wants its answer within 3 s
 * (https://docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response): the answer is an
 * empty 200 at once, and the action runs after it (`defer`, the function's `context.waitUntil`).
 */
export interface InteractionDeps {
  readonly env: Env;
  readonly log: Logger;
  readonly store: () => Store;
  readonly now?: () => number;
  /** Keeps work going after the answer; absent, the work is done before answering. */
  readonly defer?: ((work: Promise<unknown>) => void) | undefined;
  /** For the provider APIs and Slack's Web API (tests). */
  readonly fetch?: typeof globalThis.fetch;
  readonly rerun?: RerunDeps;
}

const notFound = () =>
  new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain" } });

export const handleInteraction = async (req: Request, deps: InteractionDeps): Promise<Response> => {
  const config = loadConfig(deps.env, deps.log);
  const now = deps.now ?? Date.now;
  const answer = (response: Response, decision: string, extra: Record<string, unknown> = {}) => {
    deps.log(
      response.status >= 500 ? "error" : response.status >= 400 ? "warn" : "info",
      "slack interaction",
      {
        decision,
        status: response.status,
        ...extra,
      },
    );
    return response;
  };
  const secrets = config.actions.signingSecrets;
  if (secrets.length === 0) return answer(notFound(), "off");
  if (req.method !== "POST") return answer(methodNotAllowed("POST"), "method_not_allowed");
  try {
    const body = await readBody(req, config.maxBodyBytes);
    if (!verifySlackSignature(secrets, body.text, req.headers, now())) {
      return answer(
        jsonResponse(401, {
          status: "error",
          code: "signature_invalid",
          reason: "missing, stale or wrong X-Slack-Signature",
        }),
        "signature_invalid",
        { hint: "check that SLACK_SIGNING_SECRET is the app's signing secret (Basic Information)" },
      );
    }
    const parsed = parseInteraction(body.text);
    if (parsed.kind === "invalid") {
      return answer(
        jsonResponse(400, { status: "error", code: "bad_request", reason: parsed.problem }),
        "bad_request",
        { problem: parsed.problem },
      );
    }
    if (parsed.kind === "ignored") return answer(new Response(null, { status: 200 }), "ignored");
    const { interaction } = parsed;
    // Everything from here runs after the answer: even loading the code that acts.
    const act = async () => {
      const { createSlackReplies, performAction } = await loadActions();
      const token = config.routing.botToken;
      if (token === null) {
        deps.log("warn", "slack action without SLACK_BOT_TOKEN: done, but nobody is told in Slack", {
          action: interaction.kind,
        });
      }
      await performAction(interaction, {
        config,
        store: deps.store(),
        replies:
          token === null
            ? null
            : createSlackReplies({
                token,
                apiUrl: config.routing.apiUrl,
                log: deps.log,
                ...(deps.fetch ? { fetch: deps.fetch } : {}),
              }),
        log: deps.log,
        now,
        rerun: { ...(deps.fetch ? { fetch: deps.fetch } : {}), ...deps.rerun },
      });
    };
    const work = act().catch((error: unknown) => {
      deps.log("error", "slack action failed", { action: interaction.kind, ...describeError(error) });
    });
    const fields = { action: interaction.kind, user: interaction.user, actionTs: interaction.actionTs };
    if (deps.defer) {
      deps.defer(work);
      return answer(new Response(null, { status: 200 }), "accepted", fields);
    }
    await work;
    return answer(new Response(null, { status: 200 }), "done", fields);
  } catch (error) {
    return answer(
      toResponse(error),
      error instanceof VigieError ? error.code : "internal_error",
      describeError(error),
    );
  }
};
