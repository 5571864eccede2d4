import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Whether a request carries the status token: `Authorization: Bearer <token>`, or HTTP Basic with the
 * token as the password (any user name), so that a browser can open the page
 * (https://datatracker.ietf.org/doc/html/rfc7617#section-2). Compared in constant time, over SHA-256
 * digests so that the lengths match too.
 */
export const authorize = (header: string | null, token: string): boolean => {
  if (header === null) return false;
  const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (!match) return false;
  const [, scheme = "", credentials = ""] = match;
  let presented: string;
  if (scheme.toLowerCase() === "bearer") {
    presented = credentials;
  } else {
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    presented = decoded.slice(colon + 1);
  }
  const digest = (text: string) => createHash("sha256").update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
};
