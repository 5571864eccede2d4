import { type Config, loadConfig, routeBlocker, sendingBlocker } from "../config.ts";
import { loadDeferred } from "../deferred-load.ts";
import { SecretMissingError, SignatureInvalidError, VigieError } from "../errors.ts";
import { boundedEvent } from "../event.ts";
import { describeError, type Logger } from "../log.ts";
import type { PipelineDeps, Result } from "../pipeline/pipeline.ts";
import { classify } from "../pipeline/policy.ts";
import type { ResultStatus } from "../pipeline/records.ts";
import type { RawBody, Source } from "../sources/source.ts";
import { countingStore } from "../store/counting-store.ts";
import { oneLine } from "../text/one-line.ts";
import { jsonResponse, methodNotAllowed, toResponse } from "./errors.ts";
import { readBody } from "./read-body.ts";

/**
 * GitHub abandons a delivery that gets no answer within 10 s
 * (https://docs.github.com/webhooks/using-webhooks/best-practices-for-using-webhooks#respond-within-10-seconds);
 * vigie answers within this budget, leaving what does not fit to the outbox and the sweep.
 */
export const ANSWER_BUDGET_MS = 8_000;

/**
 * The pipeline (episodes, storms, outbox, message formatting and their schemas) is loaded on the first
 * delivery that needs state: ignored deliveries, most of an org webhook's, never evaluate it, and every
 * invocation may be a cold start (BENCHMARKS.md).
 */
const loadPipeline = () => loadDeferred().then(({ pipeline }) => pipeline);

/** What a webhook route needs, built once per process by src/runtime.ts (or by a test). */
export interface WebhookDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  readonly now: () => number;
  /**
   * Built only after the signature is checked and the event is one that needs state. `deadline`: when the
   * work these dependencies serve must be done (store calls may wait until then).
   */
  readonly pipeline: (config: Config, options?: { deadline?: number }) => PipelineDeps;
  /**
   * Keeps work going after the answer: Netlify's `context.waitUntil` (in `@netlify/types`' Context; the
   * runtime, `@netlify/serverless-functions-api`, sends the response and then awaits what it was given, and
   * so does the local runtime). Absent (unit tests, scripts): everything runs before the answer.
   */
  readonly defer?: ((work: Promise<unknown>) => void) | undefined;
}

/** The HTTP status of each result; the pipeline knows nothing of HTTP. */
const HTTP_STATUS: Readonly<Record<ResultStatus, number>> = {
  notified: 200,
  duplicate: 200,
  ignored: 200,
  suppressed: 200,
  queued: 202,
  accepted: 202,
  failed: 502,
};

const resultFields = (result: Result): Record<string, unknown> => ({
  reason: oneLine(result.reason),
  ...(result.key === undefined ? {} : { key: oneLine(result.key) }),
});

/**
 * docs/architecture.md "One failure, from request to Slack", in its order: 405, 500 fail-closed, 413, 401 over the raw bytes, then
 * parse (400), route, validate, normalise, policy, pipeline. One JSON log line per delivery.
 */
export const handleWebhook = async (req: Request, source: Source, deps: WebhookDeps): Promise<Response> => {
  const started = deps.now();
  const fields: Record<string, unknown> = { source: source.name };
  let calls = 0;
  const answer = (response: Response, decision: string, extra: Record<string, unknown> = {}): Response => {
    const level = response.status >= 500 ? "error" : response.status >= 400 ? "warn" : "info";
    deps.log(level, "delivery", {
      ...fields,
      decision,
      status: response.status,
      ms: deps.now() - started,
      ...extra,
    });
    return response;
  };
  try {
    fields.delivery = source.deliveryId(req.headers, null);
    const eventName = req.headers.get(source.eventHeader);
    // Unauthenticated until the signature is checked: only a short, plain name reaches the log
    // (GitLab's names have a space: "Pipeline Hook").
    if (eventName !== null)
      fields.event = /^[\w.-](?:[\w. -]{0,62}[\w.-])?$/.test(eventName) ? eventName : "invalid";
    if (req.method !== "POST") return answer(methodNotAllowed("POST"), "method_not_allowed");
    const config = loadConfig(deps.env, deps.log);
    const secrets = source.secrets(config);
    if (secrets.length === 0) {
      return answer(toResponse(new SecretMissingError(source.secretVariable)), "secret_missing", {
        hint: `set ${source.secretVariable}: every ${source.name} delivery is refused until it is (fail closed)`,
      });
    }
    // A secret of this route that is set but cannot be used closes the route, like a missing one.
    const closed = routeBlocker(config, source.name);
    if (closed) throw closed;
    const body: RawBody = await readBody(req, config.maxBodyBytes);
    fields.delivery = source.deliveryId(req.headers, body);
    if (!(await source.verify(body, req.headers, secrets, config))) {
      return answer(toResponse(new SignatureInvalidError()), "signature_invalid", {
        hint:
          source.verifyHint ??
          `check that ${source.secretVariable} matches the secret configured on the ${source.name} webhook`,
      });
    }
    const interpretation = source.interpret(body, req.headers);
    if (interpretation.kind === "skip") {
      return answer(
        jsonResponse(200, { status: interpretation.status, reason: interpretation.reason }),
        interpretation.status,
        { reason: oneLine(interpretation.reason) },
      );
    }
    const event = boundedEvent(interpretation.event);
    fields.site = oneLine(event.site);
    fields.outcome = event.outcome;
    const verdict = classify(event, config);
    if (verdict.kind === "ignored") {
      // No store, no network: most deliveries of an org webhook end here.
      return answer(jsonResponse(200, { status: "ignored", reason: verdict.reason }), "ignored", {
        reason: verdict.reason,
      });
    }
    // An invalid Slack URL fails closed here, for deliveries that would send: GitHub shows a failed,
    // redeliverable delivery, where a dry run would have dropped the message.
    const blocker = sendingBlocker(config);
    if (blocker) throw blocker;
    const pipeline = await loadPipeline();
    /** Dependencies whose store calls may wait until `deadline`, counted for the log lines. */
    const depsUntil = (deadline: number): PipelineDeps => {
      const base = deps.pipeline(config, { deadline });
      const counter = countingStore(base.store, () => calls++);
      return { ...base, store: counter.store };
    };
    const outcome = await pipeline.run(verdict, {
      depsUntil,
      now: deps.now,
      answerBy: started + ANSWER_BUDGET_MS,
      defer: deps.defer,
      onProcessed: (done) => {
        const total = { storeCalls: calls, ms: deps.now() - started };
        if ("result" in done) {
          deps.log("info", "processed", {
            ...fields,
            decision: done.result.status,
            ...resultFields(done.result),
            ...total,
          });
        } else {
          deps.log("error", "processing failed after the answer; the sweep's scan will finish it", {
            ...fields,
            ...describeError(done.error),
            ...total,
          });
        }
      },
    });
    const response = answer(
      jsonResponse(HTTP_STATUS[outcome.status], { status: outcome.status, reason: outcome.reason }),
      outcome.status,
      { ...resultFields(outcome), storeCalls: calls },
    );
    return response;
  } catch (error) {
    if (error instanceof VigieError) {
      return answer(toResponse(error), error.code, {
        reason: error.message,
        ...(calls > 0 ? { storeCalls: calls } : {}),
        ...(error.cause ? describeError(error.cause) : {}),
      });
    }
    return answer(toResponse(error), "internal_error", describeError(error));
  }
};
