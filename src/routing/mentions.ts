import { createHash } from "node:crypto";
import { VigieError } from "../errors.ts";
import type { RunEvent } from "../event.ts";

/**
 * `SLACK_MENTIONS`: `who=SlackUserId` pairs separated by `,` (who: a GitHub login, a GitLab username or a
 * commit author's e-mail). The person who triggered a failed run is mentioned as `<@U…>`, and only from
 * this operator-set map: a mention is never built from payload text, so a commit message or a crafted
 * login cannot ping anyone the operator did not list. Pure.
 *
 * The login (GitHub) or username (GitLab) is the authenticated account that triggered the run; the
 * commit author's e-mail is whatever the pusher wrote in the commit (`git config user.email`), so anyone
 * who can push can be mentioned as someone else's address. `SLACK_MENTIONS_BY=login` leaves the e-mail
 * keys out: only the login/username is looked up.
 */

/** Slack user ids: U… (or W… in Enterprise Grid). https://docs.slack.dev/reference/objects/user-object */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export class MentionError extends VigieError {
  readonly code = "mention_invalid";
  constructor(message: string) {
    super(message);
  }
}

/**
 * Events carry the commit author's e-mail only as this hash (never the address: it would sit in stored
 * records); SLACK_MENTIONS keys with an `@` are hashed alike to be compared.
 */
export const hashEmail = (email: string): string =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

/**
 * Keys are lower-cased (GitHub logins, GitLab usernames and e-mail addresses are not case-sensitive);
 * e-mail addresses are kept as `hashEmail` of themselves, as events carry them.
 */
export const parseMentions = (
  text: string | undefined,
  by: "any" | "login" = "any",
): ReadonlyMap<string, string> => {
  const mentions = new Map<string, string>();
  for (const pair of (text ?? "").split(",").map((part) => part.trim())) {
    if (pair === "") continue;
    const equals = pair.lastIndexOf("=");
    const who = equals === -1 ? "" : pair.slice(0, equals).trim();
    const id = equals === -1 ? "" : pair.slice(equals + 1).trim();
    if (who === "" || id === "") {
      throw new MentionError(`"${pair}" is not who=SlackUserId (e.g. octocat=U0123ABCD)`);
    }
    if (!SLACK_USER_ID.test(id)) {
      throw new MentionError(
        `"${id}" (for ${who}) is not a Slack user id: U or W then capitals and digits, from the person's profile, "Copy member ID"`,
      );
    }
    // An e-mail key is still checked above (a typo is an error either way), then left out by `login`.
    if (who.includes("@") && by === "login") continue;
    mentions.set(who.includes("@") ? hashEmail(who) : who.toLowerCase(), id);
  }
  return mentions;
};

/** Who a run's trigger may be known as: the actor (login, username), then the commit author's e-mail. */
const candidates = (event: RunEvent): string[] =>
  [event.actor?.trim().toLowerCase(), event.commit.authorEmailHash].filter(
    (who): who is string => typeof who === "string" && who !== "",
  );

/** The Slack user id to mention for this run, or null. The id comes from the map, never from the event. */
export const mentionFor = (mentions: ReadonlyMap<string, string>, event: RunEvent): string | null => {
  for (const who of candidates(event)) {
    const id = mentions.get(who);
    if (id !== undefined && SLACK_USER_ID.test(id)) return id;
  }
  return null;
};
