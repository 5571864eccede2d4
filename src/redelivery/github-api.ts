import { request as octokitRequest } from "@octokit/request";
import { RequestError } from "@octokit/request-error";
import { bigint, int, nullable, number, object, optional, string, union } from "zod/mini";
import { sameOriginFetch } from "../net/same-origin-fetch.ts";

/** The org webhook whose deliveries are watched, and how to reach the API (config.githubRedelivery). */
export interface RedeliverySettings {
  readonly token: string;
  readonly org: string;
  readonly hookId: number;
  readonly apiUrl: string;
}

/** One delivery of the org webhook, as listed by GitHub. */
export interface Delivery {
  readonly id: string;
  readonly guid: string;
  /** GitHub's clock, epoch ms. */
  readonly deliveredAt: number;
  readonly ok: boolean;
  readonly status: string;
  readonly statusCode: number | null;
  readonly event: string;
  readonly action: string | null;
}

/** One page of deliveries, newest first; `next`: the cursor of the following page, null on the last. */
export interface DeliveryPage {
  readonly deliveries: Delivery[];
  readonly next: string | null;
  /** Rows (or a whole answer) vigie could not read; they are skipped. */
  readonly unreadable: number;
}

/** The two calls redelivery makes. Both throw @octokit/request's `RequestError` (see `answered`). */
export interface GitHubApi {
  listDeliveries(cursor: string | null, signal: AbortSignal): Promise<DeliveryPage>;
  redeliver(deliveryId: string, signal: AbortSignal): Promise<void>;
}

/** https://docs.github.com/rest/about-the-rest-api/api-versions */
const API_VERSION = "2022-11-28";
const PER_PAGE = 100;

/**
 * The fields read from "List deliveries for an organization webhook" (unknown fields are ignored):
 * https://docs.github.com/rest/orgs/webhooks#list-deliveries-for-an-organization-webhook
 * `id` is an int64, which @octokit/request parses as a bigint beyond 2^53: it is kept as a decimal string.
 */
const deliveryRowSchema = object({
  id: union([int(), bigint()]),
  guid: string(),
  delivered_at: string(),
  status: string(),
  status_code: optional(nullable(number())),
  event: string(),
  action: optional(nullable(string())),
});

/**
 * A RequestError that carries GitHub's answer. @octokit/request also throws RequestError (status 500,
 * no `response`) when no answer came: DNS, connection refused, TLS, timeout; that one is null here.
 */
export const answered = (error: unknown): (RequestError & { response: object }) | null =>
  error instanceof RequestError && hasResponse(error) ? error : null;

const hasResponse = (error: RequestError): error is RequestError & { response: object } =>
  error.response !== undefined;

/** The cursor of the `rel="next"` page in a Link header; null on the last page. */
export const nextCursor = (link: string | undefined): string | null => {
  for (const part of link?.split(",") ?? []) {
    const match = /<([^>]*)>\s*;\s*rel="next"/.exec(part);
    if (!match?.[1]) continue;
    try {
      return new URL(match[1]).searchParams.get("cursor");
    } catch {
      return null;
    }
  }
  return null;
};

const readRows = (data: unknown): { deliveries: Delivery[]; unreadable: number } => {
  if (!Array.isArray(data)) return { deliveries: [], unreadable: 1 };
  const deliveries: Delivery[] = [];
  let unreadable = 0;
  for (const row of data) {
    const parsed = deliveryRowSchema.safeParse(row);
    const deliveredAt = parsed.success ? Date.parse(parsed.data.delivered_at) : Number.NaN;
    if (!parsed.success || Number.isNaN(deliveredAt)) {
      unreadable++;
      continue;
    }
    const { id, guid, status, status_code, event, action } = parsed.data;
    deliveries.push({
      id: String(id),
      guid,
      deliveredAt,
      ok: status === "OK",
      status,
      statusCode: status_code ?? null,
      event,
      action: action ?? null,
    });
  }
  return { deliveries, unreadable };
};

/** `request`: injected in tests; @octokit/request by default. */
export const createGitHubApi = (
  settings: RedeliverySettings,
  request: typeof octokitRequest = octokitRequest,
): GitHubApi => {
  // https://docs.github.com/rest/authentication/authenticating-to-the-rest-api (classic and fine-grained
  // tokens both work as Bearer). octokit redacts the authorization header in the errors it throws.
  const github = request.defaults({
    baseUrl: settings.apiUrl,
    // The token goes to GITHUB_API_URL's origin only, and a listing is bounded (src/net/same-origin-fetch.ts).
    request: { fetch: sameOriginFetch({ maxBytes: 4 * 1024 * 1024 }) },
    headers: {
      authorization: `Bearer ${settings.token}`,
      "x-github-api-version": API_VERSION,
      "user-agent": "vigie",
    },
  });
  return {
    listDeliveries: async (cursor, signal) => {
      // https://docs.github.com/rest/orgs/webhooks#list-deliveries-for-an-organization-webhook: per_page at
      // most 100; `cursor` comes from the Link header. Only the cursor is taken from the link, so that the
      // token is only ever sent to GITHUB_API_URL.
      const response = await github({
        method: "GET",
        url: "/orgs/{org}/hooks/{hook_id}/deliveries",
        org: settings.org,
        hook_id: settings.hookId,
        per_page: PER_PAGE,
        ...(cursor === null ? {} : { cursor }),
        request: { signal },
      });
      return { ...readRows(response.data), next: nextCursor(response.headers.link) };
    },
    redeliver: async (deliveryId, signal) => {
      // https://docs.github.com/rest/orgs/webhooks#redeliver-a-delivery-for-an-organization-webhook (202)
      await github({
        method: "POST",
        url: "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
        org: settings.org,
        hook_id: settings.hookId,
        delivery_id: deliveryId,
        request: { signal },
      });
    },
  };
};
