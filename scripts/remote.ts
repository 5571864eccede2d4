import { type Env, parseVariable } from "../src/config/parse.ts";

/**
 * A call to a deployed vigie's status function (`--url BASE`), authorised with VIGIE_STATUS_TOKEN as a
 * bearer token. The token goes to that origin only: a redirect is never followed (it is reported).
 */
export class RemoteError extends Error {}

export const remoteBase = (url: string): string => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RemoteError(`--url ${url} is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
    throw new RemoteError(`--url ${url} is not an http(s) URL`);
  return parsed.origin;
};

export const callVigie = async (
  env: Env,
  url: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
  fetcher: typeof fetch = fetch,
): Promise<unknown> => {
  const token = parseVariable(env, "VIGIE_STATUS_TOKEN").value;
  if (token === undefined)
    throw new RemoteError("VIGIE_STATUS_TOKEN is unset here: set it to the deployed site's value");
  const target = `${remoteBase(url)}${path}`;
  let response: Response;
  try {
    response = await fetcher(target, {
      method: init.method ?? "GET",
      redirect: "manual",
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    throw new RemoteError(
      `${target} did not answer (${error instanceof Error ? error.message : String(error)}${cause})`,
    );
  }
  if (response.status >= 300 && response.status < 400)
    throw new RemoteError(
      `${target} answered a redirect (${response.status}): pass the final URL as --url (the token never follows a redirect)`,
    );
  if (response.status === 404)
    throw new RemoteError(
      `${target} answered 404: set VIGIE_STATUS_TOKEN on the site (Functions scope) and redeploy, or upgrade the deployed vigie`,
    );
  if (response.status === 401)
    throw new RemoteError(`${target} refused the token (401): use the deployed site's VIGIE_STATUS_TOKEN`);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RemoteError(`${target} answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const reason =
      typeof body === "object" && body !== null && "reason" in body ? String(body.reason).slice(0, 200) : "";
    throw new RemoteError(`${target} answered ${response.status}${reason ? `: ${reason}` : ""}`);
  }
  return body;
};
