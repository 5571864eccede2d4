/**
 * Real GitHub payloads (from @octokit/webhooks-examples, STYLE.md #9) and helpers to vary and sign them,
 * for unit tests, integration tests and benchmarks. Every helper returns a fresh deep copy.
 */
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";

type Json = Record<string, unknown>;

/** A workflow_run delivery as GitHub sends it; the fields vigie reads are typed, the rest pass as unknown. */
export interface WorkflowRunJson extends Json {
  action: string;
  workflow_run: Json & {
    id: number;
    name: string | null;
    workflow_id: number;
    head_branch: string | null;
    head_sha: string;
    html_url: string;
    run_attempt?: number;
    run_number?: number | null;
    event: string;
    status: string | null;
    conclusion: string | null;
    updated_at: string;
    created_at: string;
    head_commit?: (Json & { id: string; message: string; author: Json & { name: string } }) | null;
    triggering_actor?: (Json & { login: string }) | null;
    actor?: (Json & { login: string }) | null;
  };
  repository: Json & { full_name: string; html_url: string; name: string };
  workflow?: (Json & { name: string }) | null;
}

interface WebhookDefinition {
  name: string;
  examples: Json[];
}

const definitions = createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookDefinition[];

const examplesOf = (name: string): Json[] => {
  const definition = definitions.find((candidate) => candidate.name === name);
  if (definition === undefined) throw new Error(`@octokit/webhooks-examples has no ${name} examples`);
  return definition.examples;
};

const clone = <T>(value: T): T => structuredClone(value);

/** Every `workflow_run` example GitHub documents (requested and completed, with and without conclusion). */
export const workflowRunExamples = (): WorkflowRunJson[] =>
  examplesOf("workflow_run").map((example) => clone(example) as WorkflowRunJson);

/** Examples of any other event (`ping`, `push`, `workflow_job`...), deep-cloned. */
export const eventExamples = (name: string): Json[] => examplesOf(name).map(clone);

const completedSuccess = (() => {
  const found = workflowRunExamples().find(
    (example) => example.action === "completed" && example.workflow_run.conclusion === "success",
  );
  if (found === undefined)
    throw new Error("@octokit/webhooks-examples has no completed successful workflow_run");
  return found;
})();

/**
 * The real completed, successful `workflow_run` delivery, with `workflow_run` fields overridden
 * (shallow) and, optionally, top-level fields (`action`, `repository`...).
 */
export const workflowRunExample = (
  overrides: Partial<WorkflowRunJson["workflow_run"]> = {},
  top: Partial<Omit<WorkflowRunJson, "workflow_run">> = {},
): WorkflowRunJson => {
  const payload = clone(completedSuccess);
  Object.assign(payload.workflow_run, clone(overrides));
  Object.assign(payload, clone(top));
  return payload;
};

export interface RunOptions {
  /** `org/name`; sets repository.full_name, name, html_url and the run's URLs. Default "acme/site-1". */
  repo?: string;
  /** Default: a fresh id per call (unique within the process), so two calls are never duplicates. */
  runId?: number;
  attempt?: number;
  /** Default "failure" for failedRunPayload, "success" for runPayload. */
  conclusion?: string | null;
  /** Default "completed". */
  action?: string;
  /** Default "main"; null for runs not on a branch. */
  branch?: string | null;
  /** Default: 40 hex digits derived from runId. */
  sha?: string;
  /** Default 1001. */
  workflowId?: number;
  /** Default "Build and deploy". */
  workflowName?: string;
  /** Full commit message; null removes head_commit. Default "Update content". */
  message?: string | null;
  author?: string;
  /** triggering_actor.login. Default "octocat". */
  actor?: string;
  /** ISO time of updated_at. Default "2024-05-01T12:00:00Z". */
  updatedAt?: string;
  /** Default "push". */
  triggerEvent?: string;
}

let nextRunId = 9_000_000_000;

/** A completed run of a site repository, built on the real example (every other field stays real). */
export const runPayload = (options: RunOptions = {}): WorkflowRunJson => {
  const repo = options.repo ?? "acme/site-1";
  const runId = options.runId ?? nextRunId++;
  const sha = options.sha ?? runId.toString(16).padStart(40, "0");
  const repoUrl = `https://github.com/${repo}`;
  const apiUrl = `https://api.github.com/repos/${repo}`;
  const workflowId = options.workflowId ?? 1001;
  const workflowName = options.workflowName ?? "Build and deploy";
  const message = options.message === undefined ? "Update content" : options.message;
  const updatedAt = options.updatedAt ?? "2024-05-01T12:00:00Z";
  const payload = workflowRunExample(
    {
      id: runId,
      name: workflowName,
      workflow_id: workflowId,
      head_branch: options.branch === undefined ? "main" : options.branch,
      head_sha: sha,
      html_url: `${repoUrl}/actions/runs/${runId}`,
      url: `${apiUrl}/actions/runs/${runId}`,
      run_attempt: options.attempt ?? 1,
      event: options.triggerEvent ?? "push",
      status: "completed",
      conclusion: options.conclusion === undefined ? "success" : options.conclusion,
      updated_at: updatedAt,
      run_started_at: updatedAt,
      created_at: updatedAt,
    },
    { action: options.action ?? "completed" },
  );
  const run = payload.workflow_run;
  if (message === null) {
    run.head_commit = null;
  } else if (run.head_commit) {
    run.head_commit.id = sha;
    run.head_commit.message = message;
    run.head_commit.author.name = options.author ?? "Mona Lisa";
  }
  if (run.triggering_actor) run.triggering_actor.login = options.actor ?? "octocat";
  if (run.actor) run.actor.login = options.actor ?? "octocat";
  const name = repo.split("/")[1] ?? repo;
  for (const repository of [payload.repository, run.repository as Json | undefined]) {
    if (repository === undefined) continue;
    repository.full_name = repo;
    repository.name = name;
    repository.html_url = repoUrl;
    repository.url = apiUrl;
  }
  if (payload.workflow) payload.workflow.name = workflowName;
  return payload;
};

/** Same as runPayload, but the run failed (conclusion "failure" unless told otherwise). */
export const failedRunPayload = (options: RunOptions = {}): WorkflowRunJson =>
  runPayload({ ...options, conclusion: options.conclusion === undefined ? "failure" : options.conclusion });

/** Sets a dotted path (`workflow_run.head_commit.author`) on a deep copy; `undefined` deletes the field. */
export const withField = <T extends object>(payload: T, path: string, value: unknown): T => {
  const copy = clone(payload);
  const keys = path.split(".");
  const last = keys.pop() as string;
  let target = copy as Json;
  for (const key of keys) target = target[key] as Json;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
};

/** `sha256=<hex>`, exactly what GitHub puts in X-Hub-Signature-256. */
export const signGithub = (secret: string, body: string): Promise<string> => sign(secret, body);

export interface GithubRequestOptions {
  /** An object is sent as JSON; a string as is. */
  payload: object | string;
  /** Signs the body; omit to send no signature (or pass `signature`). */
  secret?: string;
  /** Overrides the signature header value (e.g. a forged or malformed one). */
  signature?: string;
  /** X-GitHub-Event; default "workflow_run". null leaves the header out. */
  event?: string | null;
  /** X-GitHub-Delivery; default a random UUID. */
  delivery?: string;
  /** Default "http://localhost/webhooks/github". */
  url?: string;
  /** Default "json"; "form" sends `payload=<json>` as application/x-www-form-urlencoded. */
  encoding?: "json" | "form";
  method?: string;
}

/** A signed delivery as GitHub would make it, ready for a handler or for fetch. */
export const githubRequest = async (options: GithubRequestOptions): Promise<Request> => {
  const json = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload);
  const form = options.encoding === "form";
  const body = form ? new URLSearchParams({ payload: json }).toString() : json;
  const headers = new Headers({
    "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
    "user-agent": "GitHub-Hookshot/vigie-test",
    "x-github-delivery": options.delivery ?? crypto.randomUUID(),
  });
  const event = options.event === undefined ? "workflow_run" : options.event;
  if (event !== null) headers.set("x-github-event", event);
  const signature =
    options.signature ?? (options.secret === undefined ? undefined : await signGithub(options.secret, body));
  if (signature !== undefined) headers.set("x-hub-signature-256", signature);
  const method = options.method ?? "POST";
  return new Request(options.url ?? "http://localhost/webhooks/github", {
    method,
    headers,
    ...(method === "GET" || method === "HEAD" ? {} : { body }),
  });
};
