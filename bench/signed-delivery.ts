/**
 * One delivery as GitHub or Netlify sends it, signed, ready for the storm simulator (bench/simulator.ts):
 * the planners build their deliveries with these, so that every plan's requests carry the same headers.
 */
import { createHash, randomUUID } from "node:crypto";
import { signGithub } from "../samples/github.ts";
import { netlifyEventFor, signNetlify } from "../samples/netlify.ts";

/** A request the simulator sends as it is: the plan signs it ahead. */
export interface PlannedDelivery {
  /** The id vigie logs as `delivery`: X-GitHub-Delivery, or `netlify:` + the body's SHA-256 prefix. */
  readonly id: string;
  readonly source: "github" | "netlify";
  /** The path it is posted to (the hello-world reference posts it to `/bench/hello` instead). */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface GithubDelivery extends PlannedDelivery {
  readonly source: "github";
  readonly path: "/webhooks/github";
}

export interface NetlifyDelivery extends PlannedDelivery {
  readonly source: "netlify";
  readonly path: "/webhooks/netlify";
}

/** A `workflow_run` delivery of an organisation webhook, signed with `secret`. */
export const githubDelivery = async (
  secret: string,
  body: string,
  id: string = randomUUID(),
): Promise<GithubDelivery> => ({
  id,
  source: "github",
  path: "/webhooks/github",
  body,
  headers: {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/vigie-bench",
    "x-github-event": "workflow_run",
    "x-github-delivery": id,
    "x-hub-signature-256": await signGithub(secret, body),
  },
});

/** A deploy notification, its event named after the deploy's `state`, signed with `secret`. */
export const netlifyDelivery = async (
  secret: string,
  body: string,
  state: unknown,
): Promise<NetlifyDelivery> => ({
  // What vigie logs as `delivery` (src/sources/netlify/netlify-source.ts).
  id: `netlify:${createHash("sha256").update(body).digest("hex").slice(0, 16)}`,
  source: "netlify",
  path: "/webhooks/netlify",
  body,
  headers: {
    "content-type": "application/json",
    "user-agent": "Netlify",
    "x-netlify-event": netlifyEventFor(state),
    "x-webhook-signature": await signNetlify(secret, body),
  },
});

/** A request for the hello-world reference alone: what it is sent does not matter to it. */
export const helloDelivery: PlannedDelivery = {
  id: "hello",
  source: "github",
  path: "/bench/hello",
  headers: {},
  body: "{}",
};
