/**
 * `npm run send -- <sample> [options]`: sends a signed sample delivery to a running vigie (`npm start`) and
 * prints what it answered; with `--show KIND`, prints what a destination kind would receive instead. Payloads are the test fixtures: GitHub's real `workflow_run` example
 * (@octokit/webhooks-examples), Netlify deploy notifications and GitLab pipeline events (shaped like GitLab's
 * documented example), signed with the secrets from .env.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, parseEnv } from "node:util";
import { eventExamples, failedRunPayload, runPayload, signGithub } from "../samples/github.ts";
import { canceledPipeline, failedBuildPipeline, gitlabHeaders, pipelinePayload } from "../samples/gitlab.ts";
import {
  cancelledDeploy,
  failedDeploy,
  netlifyEventFor,
  readyDeploy,
  signNetlify,
  skippedDeploy,
} from "../samples/netlify.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The previous delivery, for --same (in .netlify/, which git ignores). */
const LAST_SEND = join(ROOT, ".netlify", "vigie-last-send.json");

const GITHUB_SAMPLES = ["failure", "timed_out", "cancelled", "success", "ping"] as const;
const NETLIFY_SAMPLES = [
  "netlify-failure",
  "netlify-cancelled",
  "netlify-skipped",
  "netlify-success",
] as const;
const GITLAB_SAMPLES = ["gitlab-failure", "gitlab-canceled", "gitlab-success"] as const;
const SAMPLES: readonly string[] = [...GITHUB_SAMPLES, ...NETLIFY_SAMPLES, ...GITLAB_SAMPLES];

const USAGE = `Usage: npm run send -- <sample> [--port N] [--repo NAME] [--count N] [--run-id N]
       npm run send -- --same

Sends a signed sample delivery to vigie running on localhost (npm start) and prints the answer.

Samples
  failure, timed_out, cancelled, success   a completed GitHub workflow run with that conclusion
  ping                                     GitHub's ping (sent when a webhook is created)
  netlify-failure                          a Netlify build that failed
  netlify-cancelled, netlify-skipped       cancelled / skipped by the ignore command (stay silent)
  netlify-success                          a published Netlify deploy
  gitlab-failure                           a GitLab pipeline whose build job (build › hugo) failed
  gitlab-canceled                          a canceled GitLab pipeline (stays silent)
  gitlab-success                           a GitLab pipeline that passed

Options
  --port N     port of the running instance (default: PORT from the environment or .env, else 8888)
  --repo NAME  GitHub repository or GitLab project (group/name; a bare name gets "acme/") or Netlify
               site name (default acme/site-1, acme-docs and acme/docs)
  --count N    send N deliveries, one per site: NAME-1 ... NAME-N (shows a storm digest beyond 5)
  --run-id N   use this run id (GitHub), deploy id (Netlify) or pipeline id (GitLab) instead of a fresh one
  --same       resend the previous delivery as is, same delivery id (shows deduplication)
  --show KIND  send nothing: print what a destination of KIND would receive for the sample (slack,
               mattermost, teams, discord, json, or all); with --count N, the digest of N sites

Each send uses a fresh run id, so it is a new run. A second failure of the same repository, workflow and
branch joins the open episode and sends nothing: send "success" to close it, or use another --repo.
Secrets come from GITHUB_WEBHOOK_SECRET / NETLIFY_WEBHOOK_SECRET / GITLAB_WEBHOOK_TOKEN (and
GITLAB_SIGNING_TOKEN when set), from the environment or .env.`;

/** Reads `.env` like `npm start` does, without overriding what the shell already set. */
const loadDotEnv = (file: string): void => {
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, "utf8")))) {
    if (process.env[name] === undefined) process.env[name] = value;
  }
};

const fail = (message: string): never => {
  console.error(`vigie send: ${message}`);
  process.exit(1);
};

const positiveInteger = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    return fail(`${name} must be a whole number ≥ 1, got "${raw}"`);
  }
  return Number(raw);
};

/** One delivery, ready to sign: enough to resend it byte for byte with --same. */
interface Delivery {
  readonly source: "github" | "netlify" | "gitlab";
  readonly label: string;
  readonly body: string;
  /** Headers other than the signature (which depends on the secret at send time). */
  readonly headers: Record<string, string>;
}

/** Run ids that differ between invocations (ms since epoch) and within one (+ index). */
const freshRunId = (index: number): number => Date.now() * 10 + index;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

const githubDelivery = (sample: (typeof GITHUB_SAMPLES)[number], repo: string, runId: number): Delivery => {
  const headers = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/vigie-send",
    "x-github-event": sample === "ping" ? "ping" : "workflow_run",
    "x-github-delivery": crypto.randomUUID(),
  };
  if (sample === "ping") {
    return {
      source: "github",
      label: "GitHub ping",
      body: JSON.stringify(eventExamples("ping")[0]),
      headers,
    };
  }
  const options = { repo, runId, updatedAt: new Date().toISOString() };
  const payload =
    sample === "success" ? runPayload(options) : failedRunPayload({ ...options, conclusion: sample });
  return {
    source: "github",
    label: `${repo} run ${runId} (${sample})`,
    body: JSON.stringify(payload),
    headers,
  };
};

/** A stable UUID-shaped site id per site name, so one site is one stream across sends. */
const siteIdOf = (name: string): string => {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const netlifyDelivery = (
  sample: (typeof NETLIFY_SAMPLES)[number],
  site: string | null,
  deployId: string,
): Delivery => {
  const build = {
    "netlify-failure": failedDeploy,
    "netlify-cancelled": cancelledDeploy,
    "netlify-skipped": skippedDeploy,
    "netlify-success": readyDeploy,
  }[sample];
  const now = new Date().toISOString();
  const deploy = build({
    id: deployId,
    build_id: hex(12),
    updated_at: now,
    ...(site === null ? {} : { name: site, site_id: siteIdOf(site) }),
  });
  return {
    source: "netlify",
    label: `${deploy.name} deploy ${deployId} (${sample.replace("netlify-", "")})`,
    body: JSON.stringify(deploy),
    headers: {
      "content-type": "application/json",
      "user-agent": "Netlify",
      "x-netlify-event": netlifyEventFor(deploy.state),
    },
  };
};

/** A stable project id per project path, so one project is one stream across sends. */
const projectIdOf = (path: string): number =>
  Number.parseInt(createHash("sha256").update(path).digest("hex").slice(0, 8), 16) % 100_000_000;

const gitlabDelivery = (
  sample: (typeof GITLAB_SAMPLES)[number],
  project: string,
  pipelineId: number,
): Delivery => {
  const build = {
    "gitlab-failure": failedBuildPipeline,
    "gitlab-canceled": canceledPipeline,
    "gitlab-success": pipelinePayload,
  }[sample];
  // GitLab's own format: "2026-11-27 10:00:00 UTC".
  const now = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
  const payload = build({
    project,
    projectId: projectIdOf(project),
    pipelineId,
    finishedAt: now,
    createdAt: now,
  });
  return {
    source: "gitlab",
    label: `${project} pipeline ${pipelineId} (${sample.replace("gitlab-", "")})`,
    body: JSON.stringify(payload),
    headers: {
      "content-type": "application/json",
      "user-agent": "GitLab/vigie-send",
      "idempotency-key": crypto.randomUUID(),
    },
  };
};

const SECRET_VARIABLES = {
  github: "GITHUB_WEBHOOK_SECRET",
  netlify: "NETLIFY_WEBHOOK_SECRET",
  gitlab: "GITLAB_WEBHOOK_TOKEN",
} as const;

/** X-Gitlab-Token, and the Standard Webhooks signature (made now: it carries the time) with a signing token. */
const gitlabAuth = (delivery: Delivery, token: string): Record<string, string> => {
  const signingToken = process.env.GITLAB_SIGNING_TOKEN?.trim();
  const all = gitlabHeaders(delivery.body, {
    token,
    event: "Pipeline Hook",
    idempotencyKey: delivery.headers["idempotency-key"] ?? crypto.randomUUID(),
    ...(signingToken ? { signingToken } : {}),
  });
  const names = ["x-gitlab-token", "x-gitlab-event", "webhook-id", "webhook-timestamp", "webhook-signature"];
  return Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name)));
};

const secretOf = (source: Delivery["source"]): string => {
  const name = SECRET_VARIABLES[source];
  const secret = process.env[name]?.trim();
  return secret
    ? secret
    : fail(`${name} is unset: set it (in .env, see .env.example) to the value the running instance uses`);
};

const send = async (origin: string, delivery: Delivery): Promise<boolean> => {
  const secret = secretOf(delivery.source);
  const signature =
    delivery.source === "github"
      ? { "x-hub-signature-256": await signGithub(secret, delivery.body) }
      : delivery.source === "gitlab"
        ? gitlabAuth(delivery, secret)
        : { "x-webhook-signature": await signNetlify(secret, delivery.body) };
  const url = `${origin}/webhooks/${delivery.source}`;
  const delivered = delivery.headers["x-github-delivery"] ?? delivery.headers["idempotency-key"];
  console.log(`→ POST ${url}  ${delivery.label}${delivered ? `  delivery ${delivered}` : ""}`);
  let answer: Response;
  try {
    answer = await fetch(url, {
      method: "POST",
      headers: { ...delivery.headers, ...signature },
      body: delivery.body,
      // GitHub gives up after 10 s; a little more here, to see a slow answer rather than none.
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const cause =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return fail(`no answer from ${origin} (${cause}). Is vigie running? Start it with: npm start`);
  }
  const text = (await answer.text()).trim();
  console.log(
    `← ${answer.status} ${answer.statusText}  ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`,
  );
  return answer.ok;
};

const main = async (): Promise<void> => {
  loadDotEnv(join(ROOT, ".env"));
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: "string" },
      repo: { type: "string" },
      count: { type: "string" },
      "run-id": { type: "string" },
      same: { type: "boolean", default: false },
      show: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = positiveInteger("--port", values.port ?? (process.env.PORT?.trim() || undefined), 8888);
  const origin = `http://localhost:${port}`;

  if (values.same) {
    if (!existsSync(LAST_SEND)) fail("nothing sent yet: --same resends the previous delivery");
    const previous = JSON.parse(readFileSync(LAST_SEND, "utf8")) as Delivery;
    process.exitCode = (await send(origin, { ...previous, label: `${previous.label}, again` })) ? 0 : 1;
    // The answer comes before vigie looks at the message again; the log says what that came to.
    console.log(
      "  (the answer is given before vigie retries its message: the `processed` line in the log of npm start says what that came to)",
    );
    return;
  }

  const [sample, ...extra] = positionals;
  if (sample === undefined || !SAMPLES.includes(sample) || extra.length > 0) {
    console.error(
      sample === undefined ? USAGE : `vigie send: unknown sample "${positionals.join(" ")}"\n\n${USAGE}`,
    );
    process.exit(1);
  }
  const count = positiveInteger("--count", values.count, 1);
  if (values.show !== undefined) {
    const { showKinds, SHOWN_KINDS } = await import("./show-kinds.ts");
    if (!showKinds(sample, values.show, Math.min(count, 40))) {
      fail(`--show: unknown kind "${values.show}" (${[...Object.keys(SHOWN_KINDS), "all"].join(", ")})`);
    }
    return;
  }
  const runIdGiven = values["run-id"];
  if (runIdGiven !== undefined && count > 1)
    fail("--run-id and --count cannot go together (one id, many runs)");

  let allOk = true;
  for (let i = 1; i <= count; i++) {
    const name = values.repo === undefined ? null : count > 1 ? `${values.repo}-${i}` : values.repo;
    let delivery: Delivery;
    if ((GITHUB_SAMPLES as readonly string[]).includes(sample)) {
      const base = name ?? (count > 1 ? `acme/site-${i}` : "acme/site-1");
      const repo = base.includes("/") ? base : `acme/${base}`;
      const runId = positiveInteger("--run-id", runIdGiven, freshRunId(i));
      delivery = githubDelivery(sample as (typeof GITHUB_SAMPLES)[number], repo, runId);
    } else if ((GITLAB_SAMPLES as readonly string[]).includes(sample)) {
      const base = name ?? (count > 1 ? `acme/docs-${i}` : "acme/docs");
      const project = base.includes("/") ? base : `acme/${base}`;
      const pipelineId = positiveInteger("--run-id", runIdGiven, freshRunId(i) % 1_000_000_000);
      delivery = gitlabDelivery(sample as (typeof GITLAB_SAMPLES)[number], project, pipelineId);
    } else {
      const site = name ?? (count > 1 ? `acme-docs-${i}` : null);
      delivery = netlifyDelivery(sample as (typeof NETLIFY_SAMPLES)[number], site, runIdGiven ?? hex(12));
    }
    mkdirSync(dirname(LAST_SEND), { recursive: true });
    writeFileSync(LAST_SEND, JSON.stringify(delivery, null, 2));
    allOk = (await send(origin, delivery)) && allOk;
  }
  process.exitCode = allOk ? 0 : 1;
};

await main();
