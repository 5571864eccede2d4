/**
 * A hand-built WebhookDeps for unit tests of handleWebhook (test/unit/http): a MemoryStore, the Slack
 * fake with programmable answers (fake-slack.ts), the clock the test moves (clock.ts), and the two sources
 * described alike so that a rule shared by both can run as one `it.each`.
 */
import { expect } from "vitest";
import { failedRunPayload, runPayload, signGithub } from "../../samples/github.ts";
import {
  canceledPipeline,
  failedBuildPipeline,
  GITLAB_PREVIOUS_TOKEN,
  GITLAB_TEST_TOKEN,
  gitlabHeaders,
  pipelinePayload,
} from "../../samples/gitlab.ts";
import {
  cancelledDeploy,
  failedDeploy,
  LOG_ACCESS_TOKEN,
  NETLIFY_PREVIOUS_SECRET,
  NETLIFY_TEST_SECRET,
  netlifyEventFor,
  readyDeploy,
  SKEW_PROTECTION_TOKEN,
  signNetlify,
} from "../../samples/netlify.ts";
import type { Config } from "../../src/config.ts";
import { handleWebhook, type WebhookDeps } from "../../src/http/handle-webhook.ts";
import { memoryLogger } from "../../src/log.ts";
import type { PipelineDeps } from "../../src/pipeline/pipeline.ts";
import { githubSource } from "../../src/sources/github/github-source.ts";
import { gitlabSource } from "../../src/sources/gitlab/gitlab-source.ts";
import { netlifySource } from "../../src/sources/netlify/netlify-source.ts";
import type { Source } from "../../src/sources/source.ts";
import { MemoryStore } from "../../src/store/memory-store.ts";
import { Clock } from "./clock.ts";
import { FakeSlack } from "./fake-slack.ts";

export const GITHUB_SECRET = "It's a Secret to Everybody (current)";
export const GITHUB_PREVIOUS_SECRET = "gh-previous-secret-before-rotation";
/** The token part of the Slack URL: must never be logged. The fake sender never sees the URL. */
export const SLACK_TOKEN = "T000/B000/XXXXsecret";
export const SLACK_URL = `https://hooks.slack.com/services/${SLACK_TOKEN}`;

export type Env = Record<string, string | undefined>;

export const baseEnv: Env = {
  GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
  NETLIFY_WEBHOOK_SECRET: NETLIFY_TEST_SECRET,
  GITLAB_WEBHOOK_TOKEN: GITLAB_TEST_TOKEN,
  SLACK_WEBHOOK_URL: SLACK_URL,
};

export const withPrevious: Env = {
  ...baseEnv,
  GITHUB_WEBHOOK_SECRET_PREVIOUS: GITHUB_PREVIOUS_SECRET,
  NETLIFY_WEBHOOK_SECRET_PREVIOUS: NETLIFY_PREVIOUS_SECRET,
  GITLAB_WEBHOOK_TOKEN_PREVIOUS: GITLAB_PREVIOUS_TOKEN,
};

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export interface Harness {
  readonly store: MemoryStore;
  readonly slack: FakeSlack;
  readonly logs: ReturnType<typeof memoryLogger>;
  readonly deps: WebhookDeps;
  /** The Config of every PipelineDeps built: empty when a request never got to the pipeline. */
  readonly pipelinesBuilt: Config[];
  /** Signature header values and answers seen, checked against the log by `expectNothingSecret`. */
  readonly seen: string[];
  post(request: Request, source: Source): Promise<Answer>;
  advance(ms: number): void;
  /** The `delivery` log lines, one per request. */
  deliveryLines(): Array<Record<string, unknown>>;
  posts: number;
}

/** Every harness made, so that the test files' afterEach can check each one's log for secrets. */
export const harnesses: Harness[] = [];

export const webhookHarness = (env: Env = baseEnv): Harness => {
  const store = new MemoryStore();
  const slack = new FakeSlack();
  const logs = memoryLogger();
  const clock = new Clock();
  const now = clock.now;
  const pipelinesBuilt: Config[] = [];
  const deps: WebhookDeps = {
    env,
    log: logs.log,
    now,
    pipeline: (config): PipelineDeps => {
      pipelinesBuilt.push(config);
      return {
        config,
        store,
        slack,
        log: logs.log,
        now,
        sleep: async () => {},
        slackIntervalMs: 0,
        slackTimeoutMs: 5_000,
      };
    },
  };
  const harness: Harness = {
    store,
    slack,
    logs,
    deps,
    pipelinesBuilt,
    seen: [],
    posts: 0,
    async post(request, source) {
      for (const name of ["x-hub-signature-256", "x-webhook-signature"]) {
        const value = request.headers.get(name);
        if (value !== null) harness.seen.push(value);
      }
      harness.posts++;
      const response = await handleWebhook(request, source, deps);
      const text = await response.text();
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      return { status: response.status, headers: response.headers, body: JSON.parse(text) };
    },
    advance(delta) {
      clock.advance(delta);
    },
    deliveryLines: () => logs.lines.filter((line) => line.msg === "delivery"),
  };
  harnesses.push(harness);
  return harness;
};

/** Nothing read or written, and no pipeline built: the request ended before any state was needed. */
export const expectStoreUntouched = (h: Harness): void => {
  expect(h.store.calls).toEqual({ get: 0, set: 0, delete: 0, list: 0 });
  expect(h.store.snapshot()).toEqual({});
  expect(h.pipelinesBuilt).toHaveLength(0);
  expect(h.slack.attempts).toHaveLength(0);
};

/** Exactly one `delivery` line per request so far; the last one carries these fields. */
export const expectLogged = (h: Harness, fields: Record<string, unknown>): Record<string, unknown> => {
  const lines = h.deliveryLines();
  expect(lines).toHaveLength(h.posts);
  const last = lines.at(-1) as Record<string, unknown>;
  expect(last).toMatchObject(fields);
  return last;
};

/** Values that must never reach a log line (docs/architecture.md, "Guarantees": secrets, Slack URL, signatures, log token). */
export const SECRETS = [
  GITHUB_SECRET,
  GITHUB_PREVIOUS_SECRET,
  NETLIFY_TEST_SECRET,
  NETLIFY_PREVIOUS_SECRET,
  SLACK_URL,
  SLACK_TOKEN,
  "XXXXsecret",
  LOG_ACCESS_TOKEN,
  SKEW_PROTECTION_TOKEN,
];

export const expectNothingSecret = (h: Harness): void => {
  const text = h.logs.text();
  for (const secret of SECRETS) expect(text, `log contains ${secret}`).not.toContain(secret);
  for (const value of h.seen) {
    // The hex of a GitHub signature, the whole JWS of a Netlify one (short garbage values are skipped).
    const needle = value.replace(/^sha(?:1|256)=/, "");
    if (needle.length >= 16) expect(text, "log contains a signature header value").not.toContain(needle);
  }
  const messages = JSON.stringify(h.slack.attempts);
  for (const secret of SECRETS) expect(messages, `a Slack message contains ${secret}`).not.toContain(secret);
};

let deploys = 0;
/** A fresh 24-hex deploy id per call: two calls are never the same deploy. */
const nextDeployId = (): string => `674a1f3c9b2e4d00${String(++deploys).padStart(8, "0")}`;

export interface RequestOptions {
  /** The signature header value; null sends none. */
  signature?: string | null;
  /** GitHub only: X-GitHub-Delivery (default: the delivery's own id). */
  delivery?: string;
  /** X-GitHub-Event / X-Netlify-Event; null leaves it out. */
  event?: string | null;
  method?: string;
  headers?: Record<string, string>;
}

/** A signed delivery: its exact body and signature, and a fresh `Request` of it per call (redelivery). */
export interface Signed {
  readonly body: string;
  readonly signature: string;
  /** What the log line's `delivery` must be. */
  readonly delivery: unknown;
  request(options?: RequestOptions & { body?: BodyInit }): Request;
}

export interface SourceCase {
  readonly name: "github" | "netlify" | "gitlab";
  readonly source: Source;
  readonly secretVariable: "GITHUB_WEBHOOK_SECRET" | "NETLIFY_WEBHOOK_SECRET" | "GITLAB_WEBHOOK_TOKEN";
  readonly previousVariable:
    | "GITHUB_WEBHOOK_SECRET_PREVIOUS"
    | "NETLIFY_WEBHOOK_SECRET_PREVIOUS"
    | "GITLAB_WEBHOOK_TOKEN_PREVIOUS";
  readonly secret: string;
  readonly previousSecret: string;
  readonly signatureHeader: string;
  /** Whether the signature covers the body (GitHub, Netlify); GitLab's token is the same for any body. */
  readonly signsBody: boolean;
  sign(secret: string, body: string): Promise<string>;
  /** A POST as this source makes it, with any body (string or stream). */
  request(body: BodyInit | null, options?: RequestOptions): Request;
  /** A real failure; each call is a different run/deploy. `site` is the repository or site name. */
  failure(options?: { branch?: string; site?: string }): Record<string, unknown>;
  /** A successful run/deploy. */
  success(): Record<string, unknown>;
  /** A cancelled run/deploy: reported like a failure by the source, must stay silent. */
  cancelled(): Record<string, unknown>;
  signed(payload: object | string, options?: { secret?: string } & RequestOptions): Promise<Signed>;
  /** What the log line's `delivery` must be for this body and delivery header. */
  deliveryOf(body: string, delivery: string): unknown;
}

const post = (url: string, headers: Headers, body: BodyInit | null, method = "POST"): Request =>
  new Request(url, {
    method,
    headers,
    ...(method === "GET" || method === "HEAD" || body === null ? {} : { body, duplex: "half" }),
  } as RequestInit);

const makeSigned = async (
  c: SourceCase,
  payload: object | string,
  options: { secret?: string } & RequestOptions,
): Promise<Signed> => {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const signature = await c.sign(options.secret ?? c.secret, body);
  const delivery = options.delivery ?? crypto.randomUUID();
  const defaults: RequestOptions = { signature, delivery };
  if (options.event !== undefined) defaults.event = options.event;
  return {
    body,
    signature,
    delivery: c.deliveryOf(body, delivery),
    request: (overrides = {}) => c.request(overrides.body ?? body, { ...defaults, ...overrides }),
  };
};

export const github: SourceCase = {
  name: "github",
  source: githubSource,
  secretVariable: "GITHUB_WEBHOOK_SECRET",
  previousVariable: "GITHUB_WEBHOOK_SECRET_PREVIOUS",
  secret: GITHUB_SECRET,
  previousSecret: GITHUB_PREVIOUS_SECRET,
  signatureHeader: "x-hub-signature-256",
  signsBody: true,
  sign: signGithub,
  request(body, options = {}) {
    const headers = new Headers({
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/044aadd",
      "x-github-delivery": options.delivery ?? crypto.randomUUID(),
      "x-github-hook-id": "123456",
    });
    const event = options.event === undefined ? "workflow_run" : options.event;
    if (event !== null) headers.set("x-github-event", event);
    if (options.signature != null) headers.set("x-hub-signature-256", options.signature);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    return post("http://localhost/webhooks/github", headers, body, options.method);
  },
  failure: (options = {}) =>
    failedRunPayload({
      ...(options.branch === undefined ? {} : { branch: options.branch }),
      ...(options.site === undefined ? {} : { repo: options.site }),
    }),
  success: () => runPayload(),
  cancelled: () => failedRunPayload({ conclusion: "cancelled" }),
  signed(payload, options = {}) {
    return makeSigned(github, payload, options);
  },
  deliveryOf: (_body, delivery) => delivery,
};

export const netlify: SourceCase = {
  name: "netlify",
  source: netlifySource,
  secretVariable: "NETLIFY_WEBHOOK_SECRET",
  previousVariable: "NETLIFY_WEBHOOK_SECRET_PREVIOUS",
  secret: NETLIFY_TEST_SECRET,
  previousSecret: NETLIFY_PREVIOUS_SECRET,
  signatureHeader: "x-webhook-signature",
  signsBody: true,
  sign: (secret, body) => signNetlify(secret, body),
  request(body, options = {}) {
    const headers = new Headers({ "content-type": "application/json", "user-agent": "Netlify" });
    if (options.event != null) headers.set("x-netlify-event", options.event);
    if (options.signature != null) headers.set("x-webhook-signature", options.signature);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    return post("http://localhost/webhooks/netlify", headers, body, options.method);
  },
  failure: (options = {}) =>
    failedDeploy({
      id: nextDeployId(),
      ...(options.branch === undefined ? {} : { branch: options.branch }),
      ...(options.site === undefined ? {} : { name: options.site }),
    }),
  success: () => readyDeploy({ id: nextDeployId() }),
  cancelled: () => cancelledDeploy({ id: nextDeployId() }),
  signed(payload, options = {}) {
    const state = typeof payload === "object" ? (payload as { state?: unknown }).state : undefined;
    return makeSigned(netlify, payload, {
      ...(state === undefined ? {} : { event: netlifyEventFor(state) }),
      ...options,
    });
  },
  // Netlify sends no delivery id: the log names the notification some other way (a hash of the body).
  deliveryOf: () => expect.stringMatching(/\S/),
};

let gitlabPipelines = 0;

/** GitLab's "signature" is the hook's secret token itself, sent as it is in X-Gitlab-Token. */
export const gitlab: SourceCase = {
  name: "gitlab",
  source: gitlabSource,
  secretVariable: "GITLAB_WEBHOOK_TOKEN",
  previousVariable: "GITLAB_WEBHOOK_TOKEN_PREVIOUS",
  secret: GITLAB_TEST_TOKEN,
  previousSecret: GITLAB_PREVIOUS_TOKEN,
  signatureHeader: "x-gitlab-token",
  signsBody: false,
  sign: async (secret) => secret,
  request(body, options = {}) {
    const headers = new Headers(
      gitlabHeaders("", {
        token: options.signature ?? null,
        ...(options.event === undefined ? {} : { event: options.event }),
        ...(options.delivery === undefined ? {} : { idempotencyKey: options.delivery }),
      }),
    );
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    return post("http://localhost/webhooks/gitlab", headers, body, options.method);
  },
  failure: (options = {}) =>
    failedBuildPipeline({
      pipelineId: 3_000_000 + ++gitlabPipelines,
      ...(options.branch === undefined ? {} : { ref: options.branch }),
      ...(options.site === undefined ? {} : { project: options.site }),
    }),
  success: () => pipelinePayload({ pipelineId: 3_000_000 + ++gitlabPipelines }),
  cancelled: () => canceledPipeline({ pipelineId: 3_000_000 + ++gitlabPipelines }),
  signed(payload, options = {}) {
    return makeSigned(gitlab, payload, options);
  },
  deliveryOf: (_body, delivery) => delivery,
};

export const sources: readonly SourceCase[] = [github, netlify, gitlab];
