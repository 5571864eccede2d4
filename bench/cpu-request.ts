/**
 * What bench/cpu.ts hands each task: a signed `Request` as GitHub would send it, and the floor, the least
 * any correct receiver does with one (read, HMAC-SHA256, compare in constant time, JSON.parse).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { signGithub } from "../samples/github.ts";

export const SECRET = "vigie-bench-secret";

/** A full GC between tasks (`--expose-gc` set at run time: `npm run bench` passes no Node flags). */
export const gc = ((): (() => void) | null => {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
})();
const URL_GITHUB = "http://localhost/webhooks/github";

export interface Signed {
  readonly body: string;
  readonly signature: string;
}

export const sign = async (payload: object): Promise<Signed> => {
  const body = JSON.stringify(payload);
  return { body, signature: await signGithub(SECRET, body) };
};

let deliveryCounter = 0;
export const request = ({ body, signature }: Signed): Request =>
  new Request(URL_GITHUB, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/bench",
      "x-github-event": "workflow_run",
      "x-github-delivery": `00000000-0000-4000-8000-${String(++deliveryCounter).padStart(12, "0")}`,
      "x-hub-signature-256": signature,
    },
    body,
  });

export const floor = async (signed: Signed): Promise<void> => {
  const req = request(signed);
  const text = await req.text();
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(text).digest("hex")}`);
  const given = Buffer.from(req.headers.get("x-hub-signature-256") ?? "");
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw new Error("floor: bad HMAC");
  JSON.parse(text);
};
