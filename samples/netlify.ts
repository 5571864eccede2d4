/**
 * Netlify deploy notifications as Netlify sends them, and helpers to sign them (good and bad tokens), for
 * unit tests, integration tests and benchmarks. Every factory returns a fresh object.
 *
 * The deploy object follows the field names of Netlify's API (`deploy` in @netlify/open-api's
 * swagger.json) and of captured notifications (Zulip's zerver/webhooks/netlify/fixtures, the body shown
 * in https://gitlab.com/jamietanna/www-api/-/issues/107). Values are made up but shaped like real ones:
 * 24-hex deploy and build ids, a UUID site id, ISO times with milliseconds.
 */
import { createHash } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";

type Json = Record<string, unknown>;

/** The secret the fixtures sign with ("JWS secret token" of the notification). */
export const NETLIFY_TEST_SECRET = "vigie-netlify-jws-secret-for-tests";
/** The previous secret, for rotation tests. */
export const NETLIFY_PREVIOUS_SECRET = "vigie-netlify-jws-secret-previous";
/** `log_access_attributes.token` of every fixture: must never appear in an event, a log or a message. */
export const LOG_ACCESS_TOKEN = "fixture-log-access-token-7c0ffee7c0ffee7c0ffee7c0ffee";
/** `skew_protection_token` of every fixture: same rule. */
export const SKEW_PROTECTION_TOKEN = "fixture-skew-protection-token-5ec7e75ec7e7";

export interface NetlifyDeployJson extends Json {
  id: string;
  site_id: string;
  build_id: string;
  state: string;
  name: string;
  url: string | null;
  ssl_url: string | null;
  admin_url: string;
  deploy_url: string;
  deploy_ssl_url: string;
  created_at: string;
  updated_at: string | null;
  user_id: string | null;
  error_message: string | null;
  required: string[];
  required_functions: string[];
  commit_ref: string | null;
  review_id: number | null;
  branch: string | null;
  commit_url: string | null;
  skipped: boolean | null;
  locked: boolean | null;
  log_access_attributes: { type: string; url: string; endpoint: string; path: string; token: string };
  title: string | null;
  review_url: string | null;
  published_at: string | null;
  context: string;
  deploy_time: number | null;
  committer: string | null;
  skipped_log: string | null;
  manual_deploy: boolean;
}

const DEPLOY_ID = "674a1f3c9b2e4d0008c1a2b3";
const BUILD_ID = "674a1f3c9b2e4d0008c1a2b4";
const SITE_ID = "3f9c2a71-5d4e-4b8a-9e21-7c6d5b4a3f10";
const SITE = "acme-docs";
const SHA = "9f2c4e1b7a3d5c8e0f1a2b3c4d5e6f708192a3b4";

/**
 * A finished production deploy of `acme-docs` (state `ready`), with `overrides` applied (shallow). Pass
 * `id`, `site_id`, `name`, `state`, `error_message`... to vary it.
 */
export const netlifyDeploy = (overrides: Partial<NetlifyDeployJson> & Json = {}): NetlifyDeployJson => {
  const id = typeof overrides.id === "string" ? overrides.id : DEPLOY_ID;
  const name = typeof overrides.name === "string" ? overrides.name : SITE;
  const buildId = typeof overrides.build_id === "string" ? overrides.build_id : BUILD_ID;
  return {
    id,
    site_id: SITE_ID,
    build_id: buildId,
    state: "ready",
    name,
    url: `https://docs.acme.example`,
    ssl_url: `https://docs.acme.example`,
    admin_url: `https://app.netlify.com/sites/${name}`,
    deploy_url: `http://${id}--${name}.netlify.app`,
    deploy_ssl_url: `https://${id}--${name}.netlify.app`,
    created_at: "2026-11-20T09:41:07.312Z",
    updated_at: "2026-11-20T09:43:52.908Z",
    user_id: "5f1e2d3c4b5a697887766554",
    error_message: null,
    required: [],
    required_functions: [],
    commit_ref: SHA,
    review_id: null,
    branch: "main",
    commit_url: `https://github.com/acme/${name}/commit/${SHA}`,
    skipped: null,
    locked: null,
    log_access_attributes: {
      type: "firebase",
      url: `https://netlify-builds7.firebaseio.com/builds/${buildId}/log`,
      endpoint: "https://netlify-builds7.firebaseio.com",
      path: `/builds/${buildId}/log`,
      token: LOG_ACCESS_TOKEN,
    },
    title: "Update theme to 4.2.0\n\nPulls the shared header and the new footer links.",
    review_url: null,
    published_at: "2026-11-20T09:43:52.771Z",
    context: "production",
    deploy_time: 158,
    available_functions: [],
    screenshot_url: null,
    committer: "jdoe",
    skipped_log: null,
    manual_deploy: false,
    plugin_state: "none",
    lighthouse_plugin_scores: null,
    links: {
      permalink: `https://${id}--${name}.netlify.app`,
      alias: `https://docs.acme.example`,
      branch: null,
    },
    framework: "hugo",
    entry_path: null,
    views_count: null,
    function_schedules: [],
    public_repo: false,
    pending_review_reason: null,
    lighthouse: null,
    edge_functions_present: false,
    expires_at: null,
    blobs_region: "us-east-2",
    skew_protection_token: SKEW_PROTECTION_TOKEN,
    ...overrides,
  };
};

const failedFields = {
  state: "error",
  published_at: null,
  deploy_time: null,
} satisfies Partial<NetlifyDeployJson>;

/** A real build failure: the build command exited non-zero. */
export const failedDeploy = (overrides: Partial<NetlifyDeployJson> & Json = {}): NetlifyDeployJson =>
  netlifyDeploy({
    ...failedFields,
    error_message: "Failed during stage 'building site': Build script returned non-zero exit code: 2",
    ...overrides,
  });

/** A build cancelled from the UI or the API ("Deploy failed" notification). */
export const cancelledDeploy = (overrides: Partial<NetlifyDeployJson> & Json = {}): NetlifyDeployJson =>
  netlifyDeploy({ ...failedFields, error_message: "Canceled build", ...overrides });

/** A build skipped by the ignore command: no content change since the last build of this context. */
export const skippedDeploy = (overrides: Partial<NetlifyDeployJson> & Json = {}): NetlifyDeployJson =>
  netlifyDeploy({
    ...failedFields,
    error_message:
      "Failed during stage 'checking build content for changes': Canceled build due to no content change",
    title: "Fix typo in README",
    ...overrides,
  });

/** A published deploy ("Deploy succeeded"). */
export const readyDeploy = (overrides: Partial<NetlifyDeployJson> & Json = {}): NetlifyDeployJson =>
  netlifyDeploy(overrides);

/** The body exactly as sent: compact JSON. */
export const netlifyBody = (deploy: Json): string => JSON.stringify(deploy);

const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * `X-Webhook-Signature` as Netlify makes it: an HS256 JWT `{ iss: "netlify", sha256: <hex of body> }`.
 * `claims` are merged over those; a claim set to `undefined` is left out (e.g. `{ iss: undefined }`).
 */
export const signNetlify = async (
  secret: string,
  bodyText: string,
  claims: Record<string, unknown> = {},
): Promise<string> => {
  const payload = Object.fromEntries(
    Object.entries({ iss: "netlify", sha256: sha256Hex(bodyText), ...claims }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return new SignJWT(payload)
    .setProtectedHeader({ typ: "JWT", alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
};

/** A token with `alg: "none"` and no signature, crafted by hand (jose refuses to make one). */
export const unsignedNetlifyToken = (bodyText: string): string =>
  `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ iss: "netlify", sha256: sha256Hex(bodyText) })}.`;

/** Same claims signed with HS512: a valid JWS, but not the algorithm Netlify uses. */
export const signNetlifyHs512 = (secret: string, bodyText: string): Promise<string> =>
  new SignJWT({ iss: "netlify", sha256: sha256Hex(bodyText) })
    .setProtectedHeader({ typ: "JWT", alg: "HS512" })
    .sign(new TextEncoder().encode(secret));

/** Same claims signed with RS256 by a fresh key pair: must never be accepted. */
export const signNetlifyRs256 = async (bodyText: string): Promise<string> => {
  const { privateKey } = await generateKeyPair("RS256");
  return new SignJWT({ iss: "netlify", sha256: sha256Hex(bodyText) })
    .setProtectedHeader({ typ: "JWT", alg: "RS256" })
    .sign(privateKey);
};

/** A notification `Request` as Netlify posts it (signature and event headers included when given). */
export const netlifyRequest = (
  bodyText: string,
  options: { signature?: string; event?: string; url?: string } = {},
): Request => {
  const headers = new Headers({ "content-type": "application/json" });
  if (options.signature !== undefined) headers.set("x-webhook-signature", options.signature);
  if (options.event !== undefined) headers.set("x-netlify-event", options.event);
  return new Request(options.url ?? "http://localhost:8888/webhooks/netlify", {
    method: "POST",
    headers,
    body: bodyText,
  });
};

/** The `X-Netlify-Event` Netlify sends with a deploy in this state: "Deploy failed", "Deploy succeeded"... */
export const netlifyEventFor = (state: unknown): string =>
  state === "error" ? "deploy_failed" : state === "ready" ? "deploy_created" : "deploy_building";

/**
 * A deploy signed with `secret` (default NETLIFY_TEST_SECRET): the body text, its signature and a
 * ready-made `Request` whose `X-Netlify-Event` follows the deploy's state unless `event` is given.
 */
export const signedNetlifyRequest = async (
  deploy: Json,
  options: { secret?: string; event?: string; url?: string } = {},
): Promise<{ body: string; signature: string; request: Request }> => {
  const body = netlifyBody(deploy);
  const signature = await signNetlify(options.secret ?? NETLIFY_TEST_SECRET, body);
  const event = options.event ?? netlifyEventFor(deploy.state);
  const request = netlifyRequest(body, {
    signature,
    event,
    ...(options.url === undefined ? {} : { url: options.url }),
  });
  return { body, signature, request };
};
