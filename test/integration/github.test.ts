/**
 * The GitHub webhook end to end: the real function in Netlify's local runtime, the local Blobs server,
 * the local Slack stand-in. One instance for the file; every test uses its own repository name and run
 * ids, so the store (which persists across the file) never makes two tests interfere.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { failedRunPayload, runPayload, signGithub, withField } from "../../samples/github.ts";
import { validateMessage } from "../../src/slack/format.ts";
// Every test gets the file's vigie and Slack stand-in, started once (fixture.ts).
import { vigieTest as it } from "./fixture.ts";
import { postGithub, slackReply } from "./harness.ts";
import {
  allText,
  asSlackMessage,
  buttons,
  deliveryLines,
  fieldTexts,
  GITHUB_SECRET,
  messagesNaming,
  NETLIFY_SECRET,
  processedLines,
  settledNaming,
  slackPath,
  sleep,
  waitForDeliveredNaming,
} from "./support.ts";

const secret = GITHUB_SECRET;
/** Every signature header value sent by this file, to prove none reaches the log. */
const signatures: string[] = [];

const signedPost = async (
  url: string,
  body: object | string,
  options: { delivery?: string; event?: string | null; headers?: Record<string, string> } = {},
) => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  signatures.push(await signGithub(secret, text));
  return postGithub(url, text, { secret, ...options });
};

describe("POST /webhooks/github, end to end", () => {
  it("notifies a failure with exactly one valid message naming repo, workflow, branch and short sha", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-failure";
    const payload = failedRunPayload({
      repo,
      runId: 7_100_000_001,
      branch: "release/2.x",
      workflowName: "Build site",
      sha: "abcdef1234567890abcdef1234567890abcdef12",
    });
    const delivery = randomUUID();
    const answer = await signedPost(vigie.url, payload, { delivery });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.status).toBe("notified");

    const sent = await settledNaming(slack, repo);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.status).toBe(200);
    const message = asSlackMessage(sent[0]);
    expect(validateMessage(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain(repo);
    expect(text).toContain("Build site");
    expect(text).toContain("release/2.x");
    expect(text).toContain("abcdef1");
    expect(fieldTexts(message).join("\n")).toContain("abcdef1");
    expect(buttons(message)).toContainEqual({
      text: "View logs",
      url: `https://github.com/${repo}/actions/runs/7100000001`,
    });
    expect(message.unfurl_links).toBe(false);
  });

  it("answers a redelivery (same body, same X-GitHub-Delivery) 200 duplicate, without a new message", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-redelivery";
    const payload = failedRunPayload({ repo, runId: 7_100_000_002 });
    const delivery = randomUUID();
    const first = await signedPost(vigie.url, payload, { delivery });
    expect(first.json?.status, first.text).toBe("notified");
    const again = await signedPost(vigie.url, payload, { delivery });
    expect(again.status, again.text).toBe(200);
    expect(again.json?.status).toBe("duplicate");
    expect(await settledNaming(slack, repo)).toHaveLength(1);
  });

  it("answers the same run through a second hook (another delivery id) as a duplicate", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-second-hook";
    const payload = failedRunPayload({ repo, runId: 7_100_000_003 });
    const first = await signedPost(vigie.url, payload, { delivery: randomUUID() });
    expect(first.json?.status, first.text).toBe("notified");
    const second = await signedPost(vigie.url, payload, { delivery: randomUUID() });
    expect(second.status, second.text).toBe(200);
    expect(second.json?.status).toBe("duplicate");
    expect(await settledNaming(slack, repo)).toHaveLength(1);
  });

  it("sends exactly one message for 20 concurrent identical deliveries", async ({ vigie, slack }) => {
    const repo = "acme/it-concurrent";
    const payload = failedRunPayload({ repo, runId: 7_100_000_004 });
    const delivery = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => signedPost(vigie.url, payload, { delivery })),
    );
    const summary = answers
      .map((answer) => `${answer.status} ${answer.json?.status ?? answer.text}`)
      .join("\n");
    // One copy records the event in its stream; the 19 others are duplicates. The winner sends after its
    // answer (notified) when its budget allows; 20 fresh workers on a busy machine can use it up before
    // the send, and the winner's outcome is then queued: the message waits in the outbox for the sweep, or
    // a copy checking it posts it (docs/architecture.md, "One failure, from request to Slack").
    const duplicates = answers.filter(
      (answer) => answer.status === 200 && answer.json?.status === "duplicate",
    );
    const winners = answers.filter((answer) => answer.json?.status !== "duplicate");
    expect(duplicates, summary).toHaveLength(19);
    expect(winners, summary).toHaveLength(1);
    const winner = winners[0];
    expect([`200 notified`, `202 queued`], summary).toContain(`${winner?.status} ${winner?.json?.status}`);
    if (winner?.json?.status === "queued") {
      // Left for the sweep (or posted meanwhile by a copy's check of the message): sent once either way.
      const swept = await vigie.sweep();
      expect(swept.status).toBe(200);
      await swept.arrayBuffer();
    }
    await waitForDeliveredNaming(slack, repo);
    const sent = await settledNaming(slack, repo, 1_000);
    expect(sent.map((message) => message.status)).toEqual([200]);
    expect(validateMessage(asSlackMessage(sent[0]))).toEqual([]);
  });

  it.for([
    ["cancelled", { conclusion: "cancelled" }],
    ["skipped", { conclusion: "skipped" }],
    ["in_progress", { action: "in_progress", conclusion: null }],
    ["requested", { action: "requested", conclusion: null }],
  ] as const)(
    "answers a %s run 200 ignored, without a message",
    async ([name, options], { vigie, slack }) => {
      const repo = `acme/it-ignored-${name}`;
      let payload = failedRunPayload({ repo, ...options });
      if (options.conclusion === null)
        payload = withField(
          payload,
          "workflow_run.status",
          name === "requested" ? "requested" : "in_progress",
        );
      const answer = await signedPost(vigie.url, payload);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json?.status).toBe("ignored");
      expect(answer.json?.reason).toEqual(expect.any(String));
      expect(await settledNaming(slack, repo, 200)).toHaveLength(0);
    },
  );

  it("refuses a bad signature with 401 and stores nothing: a correctly signed copy still notifies", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-bad-signature";
    const payload = failedRunPayload({ repo, runId: 7_100_000_005 });
    const delivery = randomUUID();
    const forged = await postGithub(vigie.url, payload, {
      secret: "not-the-secret",
      delivery,
    });
    expect(forged.status, forged.text).toBe(401);
    const garbage = await postGithub(vigie.url, payload, {
      delivery,
      headers: { "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
    });
    expect(garbage.status, garbage.text).toBe(401);
    expect(messagesNaming(slack, repo)).toHaveLength(0);

    const genuine = await signedPost(vigie.url, payload, { delivery });
    expect(genuine.status, genuine.text).toBe(200);
    expect(genuine.json?.status).toBe("notified");
    expect(await settledNaming(slack, repo)).toHaveLength(1);
  });

  it("refuses a delivery without a signature with 401", async ({ vigie, slack }) => {
    const repo = "acme/it-unsigned";
    const answer = await postGithub(vigie.url, failedRunPayload({ repo }));
    expect(answer.status, answer.text).toBe(401);
    expect(await settledNaming(slack, repo, 100)).toHaveLength(0);
  });

  it("answers GET with 405 and Allow: POST", async ({ vigie }) => {
    const answer = await vigie.request("/webhooks/github");
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("POST");
    expect(await answer.json()).toMatchObject({ code: "method_not_allowed" });
  });

  it("answers a body over MAX_BODY_BYTES (1 MiB) with 413", async ({ vigie, slack }) => {
    const repo = "acme/it-too-large";
    const payload = { ...failedRunPayload({ repo }), padding: "x".repeat(1_100_000) };
    const answer = await signedPost(vigie.url, payload);
    expect(answer.status, answer.text.slice(0, 300)).toBe(413);
    expect(answer.json?.code).toBe("payload_too_large");
    expect(await settledNaming(slack, repo, 100)).toHaveLength(0);
  });

  it("answers a ping with 200 pong", async ({ vigie }) => {
    const answer = await signedPost(
      vigie.url,
      { zen: "Design for failure.", hook_id: 42, hook: { type: "Organization", events: ["workflow_run"] } },
      { event: "ping" },
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.status).toBe("pong");
  });

  it("accepts a form-encoded delivery (payload= field), signed over the form body", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-form";
    const payload = failedRunPayload({ repo, runId: 7_100_000_006 });
    const form = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const answer = await signedPost(vigie.url, form, {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.status).toBe("notified");
    const sent = await settledNaming(slack, repo);
    expect(sent).toHaveLength(1);
    expect(validateMessage(asSlackMessage(sent[0]))).toEqual([]);
  });

  it("keeps a message Slack refused with 500, and delivers it exactly once (redelivery, then sweep)", async ({
    vigie,
    slack,
  }) => {
    const viaRedelivery = "acme/it-slack500-redelivered";
    const viaSweep = "acme/it-slack500-swept";
    const payloadA = failedRunPayload({ repo: viaRedelivery, runId: 7_100_000_007 });
    const payloadB = failedRunPayload({ repo: viaSweep, runId: 7_100_000_008 });
    const deliveryA = randomUUID();
    const deliveryB = randomUUID();

    // The first post of each of these two messages gets 500; everything else, ok.
    const refused = new Set<string>();
    slack.setRespond((request) => {
      const repo = [viaRedelivery, viaSweep].find((name) => request.raw.includes(name));
      if (repo === undefined || refused.has(repo)) return slackReply.ok();
      refused.add(repo);
      return slackReply.serverError();
    });
    const a = await signedPost(vigie.url, payloadA, { delivery: deliveryA });
    // The brief allows 5xx or 202; the message stays queued: 202.
    expect(a.status, a.text).toBe(202);
    expect(a.json?.status).toBe("queued");

    const b = await signedPost(vigie.url, payloadB, { delivery: deliveryB });
    expect(b.status, b.text).toBe(202);
    expect(b.json?.status).toBe("queued");
    expect(messagesNaming(slack, viaRedelivery).map((m) => m.status)).toEqual([500]);
    expect(messagesNaming(slack, viaSweep).map((m) => m.status)).toEqual([500]);

    // Backoff after the first failed attempt: 5 s.
    await sleep(5_300);

    // A: redelivered by hand (same delivery id): its message goes out now.
    const redelivered = await signedPost(vigie.url, payloadA, { delivery: deliveryA });
    expect(redelivered.status, redelivered.text).toBe(200);
    expect(["duplicate", "notified"]).toContain(redelivered.json?.status);
    await waitForDeliveredNaming(slack, viaRedelivery);

    // B: the sweep finds it due and sends it; A is already sent and stays so.
    const swept = await vigie.sweep();
    expect(swept.status).toBe(200);
    await swept.arrayBuffer();
    await waitForDeliveredNaming(slack, viaSweep);

    // Nothing more: another sweep and another redelivery of each add no message.
    await (await vigie.sweep()).arrayBuffer();
    const againA = await signedPost(vigie.url, payloadA, { delivery: deliveryA });
    const againB = await signedPost(vigie.url, payloadB, { delivery: deliveryB });
    expect(againA.json?.status, againA.text).toBe("duplicate");
    expect(againB.json?.status, againB.text).toBe("duplicate");
    expect((await settledNaming(slack, viaRedelivery)).map((m) => m.status)).toEqual([500, 200]);
    expect(messagesNaming(slack, viaSweep).map((m) => m.status)).toEqual([500, 200]);
    for (const sent of [...slack.delivered()].filter((m) => m.raw.includes("it-slack500"))) {
      expect(validateMessage(asSlackMessage(sent))).toEqual([]);
    }
    slack.setRespond(null);
  });

  it("keeps dedup across a restart: a redelivery after it is a duplicate, without a message", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-restart";
    const payload = failedRunPayload({ repo, runId: 7_100_000_009 });
    const delivery = randomUUID();
    const first = await signedPost(vigie.url, payload, { delivery });
    expect(first.json?.status, first.text).toBe("notified");
    await vigie.restart();
    const again = await signedPost(vigie.url, payload, { delivery });
    expect(again.status, again.text).toBe(200);
    expect(again.json?.status).toBe("duplicate");
    expect(await settledNaming(slack, repo)).toHaveLength(1);
    // A success of another run still reaches the same store (the episode closes with "recovered").
    const success = await signedPost(vigie.url, runPayload({ repo, runId: 7_100_000_010 }));
    expect(success.status, success.text).toBe(200);
  });

  it("logs one JSON line per delivery, with its id and decision, and never a secret, signature or the Slack URL", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-logging";
    const delivery = randomUUID();
    const answer = await signedPost(vigie.url, failedRunPayload({ repo, runId: 7_100_000_011 }), {
      delivery,
    });
    expect(answer.json?.status, answer.text).toBe("notified");
    const ignoredDelivery = randomUUID();
    await signedPost(vigie.url, failedRunPayload({ repo, conclusion: "cancelled" }), {
      delivery: ignoredDelivery,
    });
    const unsignedDelivery = randomUUID();
    await postGithub(vigie.url, failedRunPayload({ repo }), { delivery: unsignedDelivery });
    await vigie.waitForLog((line) => line.delivery === unsignedDelivery);

    expect(deliveryLines(vigie, delivery)).toEqual([
      expect.objectContaining({ delivery, decision: "accepted", status: 202, source: "github" }),
    ]);
    expect(processedLines(vigie, delivery)).toEqual([
      expect.objectContaining({ delivery, decision: "notified", source: "github" }),
    ]);
    expect(deliveryLines(vigie, ignoredDelivery)).toEqual([
      expect.objectContaining({ decision: "ignored", status: 200 }),
    ]);
    expect(deliveryLines(vigie, unsignedDelivery)).toEqual([
      expect.objectContaining({ decision: "signature_invalid", status: 401 }),
    ]);
    // Every line that mentions a delivery id of this file is a JSON line (no free-text logging).
    const raw = vigie.logs().split("\n");
    for (const id of [delivery, ignoredDelivery, unsignedDelivery]) {
      for (const line of raw.filter((l) => l.includes(id))) {
        expect(() => JSON.parse(line.trim()), line).not.toThrow();
      }
    }

    const logs = vigie.logs();
    expect(logs).not.toContain(GITHUB_SECRET);
    expect(logs).not.toContain(NETLIFY_SECRET);
    expect(logs).not.toContain(slackPath(slack));
    expect(logs).not.toContain(slack.url);
    expect(signatures.length).toBeGreaterThan(0);
    for (const signature of new Set(signatures)) {
      expect(logs).not.toContain(signature.replace(/^sha256=/, ""));
    }
  });
});
