import { describe, expect, it } from "vitest";
import { asFailure, githubEvent } from "../../../samples/events.ts";
import { loadConfig } from "../../../src/config.ts";
import type { FailureEvent } from "../../../src/event.ts";
import { hashEmail, MentionError, mentionFor, parseMentions } from "../../../src/routing/mentions.ts";
import { formatFailure } from "../../../src/slack/format.ts";

const githubFailure = () => asFailure(githubEvent());

describe("parseMentions", () => {
  it("maps logins (any case) and e-mail addresses (hashed) to user ids", () => {
    const mentions = parseMentions(" Octocat=U0123ABCD , ada@Example.com=W0ADA ,, gitlab-user=U999");
    expect(mentions.get("octocat")).toBe("U0123ABCD");
    expect(mentions.get(hashEmail("ADA@example.com"))).toBe("W0ADA");
    expect([...mentions.keys()].join()).not.toContain("@");
    expect(mentions.get("gitlab-user")).toBe("U999");
    expect(parseMentions(undefined).size).toBe(0);
  });

  it.each([
    ["octocat", '"octocat" is not who=SlackUserId'],
    ["=U0123", '"=U0123" is not who=SlackUserId'],
    ["octocat=", '"octocat=" is not who=SlackUserId'],
    ["octocat=u0123abcd", '"u0123abcd" (for octocat) is not a Slack user id'],
    ["octocat=<!channel>", '"<!channel>" (for octocat) is not a Slack user id'],
    ["octocat=U1", '"U1" (for octocat) is not a Slack user id'],
  ])("%s is refused", (text, message) => {
    expect(() => parseMentions(text)).toThrow(MentionError);
    expect(() => parseMentions(text)).toThrow(message);
  });
});

describe("mentionFor and the message", () => {
  const mentions = parseMentions("octocat=U0123ABCD,ada@example.com=U0ADA");
  const event = (actor: string | null, email: string | null): FailureEvent => {
    const base = githubFailure();
    return {
      ...base,
      actor,
      commit: { ...base.commit, ...(email === null ? {} : { authorEmailHash: hashEmail(email) }) },
    } as FailureEvent;
  };

  it("mentions the actor, then the commit author by e-mail, only from the map", () => {
    expect(mentionFor(mentions, event("OctoCat", null))).toBe("U0123ABCD");
    expect(mentionFor(mentions, event("someone", "Ada@Example.com"))).toBe("U0ADA");
    expect(mentionFor(mentions, event("someone", "other@example.com"))).toBeNull();
    expect(mentionFor(mentions, event(null, null))).toBeNull();
  });

  it("SLACK_MENTIONS_BY=login: a commit's e-mail (anyone who pushes sets it) mentions no one", () => {
    const byLogin = parseMentions("octocat=U0123ABCD,ada@example.com=U0ADA", "login");
    expect(mentionFor(byLogin, event("OctoCat", null))).toBe("U0123ABCD");
    expect(mentionFor(byLogin, event("someone", "ada@example.com"))).toBeNull();
    // An e-mail key is still checked: a wrong id is an error in either mode.
    expect(() => parseMentions("ada@example.com=nobody", "login")).toThrow(MentionError);
  });

  it("SLACK_MENTIONS_BY reaches the routing through the configuration", () => {
    const env = {
      SLACK_MENTIONS: "ada@example.com=U0ADA",
      SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x",
    };
    expect(loadConfig(env).routing.mentions.size).toBe(1);
    expect(loadConfig({ ...env, SLACK_MENTIONS_BY: "login" }).routing.mentions.size).toBe(0);
    expect(loadConfig({ ...env, SLACK_MENTIONS_BY: "emails" }).problems).toEqual([
      expect.objectContaining({
        variable: "SLACK_MENTIONS_BY",
        message: expect.stringMatching(/any or login/),
      }),
    ]);
  });

  it("puts <@U…> in the message and its fallback; payload text never becomes a mention", () => {
    const hostile = {
      ...event("<@U0EVIL>", null),
      commit: { ...githubFailure().commit, message: "<!channel> <@U0EVIL> please look" },
    } as FailureEvent;
    const message = formatFailure(hostile, { mention: "U0123ABCD" });
    const json = JSON.stringify(message);
    expect(message.text).toContain("<@U0123ABCD>");
    expect(json).toContain("<@U0123ABCD>");
    expect(json).not.toContain("<@U0EVIL>");
    expect(json).not.toContain("<!channel>");
    expect(json).toContain("&lt;@U0EVIL&gt;");
    // Not a user id: dropped, not escaped into something else.
    const forged = formatFailure(hostile, { mention: "U0123> <!channel" });
    expect(JSON.stringify(forged)).not.toContain("<!channel>");
    expect(JSON.stringify(forged)).not.toContain("<@U0123");
  });
});
