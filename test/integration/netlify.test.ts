/**
 * The Netlify deploy webhook end to end (real function, Netlify's local runtime, local Blobs server, local
 * Slack stand-in), and both sources side by side in one instance. Each test uses its own site (name,
 * site id, deploy id), so the store that persists across the file never makes two tests interfere.
 */
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { failedRunPayload } from "../../samples/github.ts";
import {
  cancelledDeploy,
  failedDeploy,
  LOG_ACCESS_TOKEN,
  type NetlifyDeployJson,
  SKEW_PROTECTION_TOKEN,
  signNetlify,
  skippedDeploy,
  unsignedNetlifyToken,
} from "../../samples/netlify.ts";
import { validateMessage } from "../../src/slack/format.ts";
// Every test gets the file's vigie and Slack stand-in, started once (fixture.ts).
import { vigieTest as it } from "./fixture.ts";
import { postGithub, postNetlify } from "./harness.ts";
import {
  allText,
  asSlackMessage,
  buttons,
  fieldTexts,
  GITHUB_SECRET,
  messagesNaming,
  NETLIFY_SECRET,
  settledNaming,
  slackPath,
} from "./support.ts";

const secret = NETLIFY_SECRET;
const signatures: string[] = [];

let counter = 0;
/** A site of its own: name, site id, deploy and build ids, commit. */
const site = (name: string) => {
  counter += 1;
  const hex = (n: number) => `${n.toString(16)}${randomUUID().replaceAll("-", "")}`.slice(0, 24);
  const sha = `${randomUUID().replaceAll("-", "")}${"0".repeat(8)}`.slice(0, 40);
  return {
    name,
    site_id: randomUUID(),
    id: hex(counter * 2),
    build_id: hex(counter * 2 + 1),
    commit_ref: sha,
    commit_url: `https://github.com/acme/${name}/commit/${sha}`,
  } satisfies Partial<NetlifyDeployJson>;
};

const signedPost = async (url: string, deploy: NetlifyDeployJson) => {
  const text = JSON.stringify(deploy);
  signatures.push(await signNetlify(secret, text));
  return postNetlify(url, deploy, { secret });
};

describe("POST /webhooks/netlify, end to end", () => {
  it("notifies a real deploy failure: site, context, branch, commit link, escaped error, deploy log link", async ({
    vigie,
    slack,
  }) => {
    const fields = site("it-nl-failure");
    const deploy = failedDeploy({
      ...fields,
      branch: "main",
      context: "production",
      error_message:
        "Failed during stage 'building site': Build script returned non-zero exit code: 2 (<hugo> & friends)",
    });
    const answer = await signedPost(vigie.url, deploy);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.status).toBe("notified");

    const sent = await settledNaming(slack, fields.name);
    expect(sent).toHaveLength(1);
    const message = asSlackMessage(sent[0]);
    expect(validateMessage(message)).toEqual([]);
    const text = allText(message);
    expect(text).toContain(fields.name);
    expect(text).toContain("production");
    expect(text).toContain("main");
    expect(fieldTexts(message).join("\n")).toContain(
      `<${fields.commit_url}|${fields.commit_ref.slice(0, 7)}>`,
    );
    expect(text).toContain("Build script returned non-zero exit code: 2 (&lt;hugo&gt; &amp; friends)");
    expect(sent[0]?.raw).not.toContain("<hugo>");
    expect(buttons(message)).toContainEqual({
      text: "View deploy log",
      url: `https://app.netlify.com/sites/${fields.name}/deploys/${fields.id}`,
    });
  });

  it("answers the same deploy again as a duplicate, without a message", async ({ vigie, slack }) => {
    const fields = site("it-nl-duplicate");
    const deploy = failedDeploy(fields);
    const first = await signedPost(vigie.url, deploy);
    expect(first.json?.status, first.text).toBe("notified");
    const again = await signedPost(vigie.url, deploy);
    expect(again.status, again.text).toBe(200);
    expect(again.json?.status).toBe("duplicate");
    expect(await settledNaming(slack, fields.name)).toHaveLength(1);
  });

  it.for([
    ["a cancelled build", cancelledDeploy],
    ["a build skipped for no content change", skippedDeploy],
  ] as const)("answers %s 200 ignored, without a message", async ([_what, make], { vigie, slack }) => {
    const fields = site(`it-nl-ignored-${make.name}`);
    const answer = await signedPost(vigie.url, make(fields));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json?.status).toBe("ignored");
    expect(await settledNaming(slack, fields.name, 200)).toHaveLength(0);
  });

  it("refuses a notification signed with the wrong secret (401) and stores nothing", async ({
    vigie,
    slack,
  }) => {
    const fields = site("it-nl-forged");
    const deploy = failedDeploy(fields);
    const forged = await postNetlify(vigie.url, deploy, { secret: "not-the-netlify-secret" });
    expect(forged.status, forged.text).toBe(401);
    expect(messagesNaming(slack, fields.name)).toHaveLength(0);
    // Nothing was recorded: the genuine notification of the same deploy is not a duplicate.
    const genuine = await signedPost(vigie.url, deploy);
    expect(genuine.json?.status, genuine.text).toBe("notified");
    expect(await settledNaming(slack, fields.name)).toHaveLength(1);
  });

  it("refuses an unsigned token (alg none) with 401", async ({ vigie, slack }) => {
    const fields = site("it-nl-alg-none");
    const text = JSON.stringify(failedDeploy(fields));
    const answer = await postNetlify(vigie.url, text, {
      event: "deploy_failed",
      headers: { "x-webhook-signature": unsignedNetlifyToken(text) },
    });
    expect(answer.status, answer.text).toBe(401);
    expect(await settledNaming(slack, fields.name, 100)).toHaveLength(0);
  });

  it("escapes a hostile error message and title: no <!channel>, no forged link", async ({ vigie, slack }) => {
    const fields = site("it-nl-hostile");
    const deploy = failedDeploy({
      ...fields,
      error_message: "Failed during stage 'building site': <!channel> see <https://evil.example|click>",
      title: "<!channel> <https://evil.example|click here> & more",
    });
    const answer = await signedPost(vigie.url, deploy);
    expect(answer.json?.status, answer.text).toBe("notified");
    const sent = await settledNaming(slack, fields.name);
    expect(sent).toHaveLength(1);
    const raw = sent[0]?.raw ?? "";
    expect(raw).not.toContain("<!channel>");
    expect(raw).not.toContain("<https://evil");
    expect(raw).toContain("&lt;!channel&gt;");
    expect(raw).toContain("&lt;https://evil.example|click");
    expect(validateMessage(asSlackMessage(sent[0]))).toEqual([]);
  });

  it("sends a GitHub failure and a Netlify failure of different commits as 2 messages in the same Block Kit style", async ({
    vigie,
    slack,
  }) => {
    const repo = "acme/it-both-sources";
    const fields = site("it-nl-both-sources");
    const github = failedRunPayload({ repo, runId: 7_200_000_001 });
    const githubAnswer = await postGithub(vigie.url, github, { secret: GITHUB_SECRET });
    expect(githubAnswer.json?.status, githubAnswer.text).toBe("notified");
    const netlifyAnswer = await signedPost(vigie.url, failedDeploy(fields));
    expect(netlifyAnswer.json?.status, netlifyAnswer.text).toBe("notified");

    const fromGithub = await settledNaming(slack, repo);
    const fromNetlify = messagesNaming(slack, fields.name);
    expect(fromGithub).toHaveLength(1);
    expect(fromNetlify).toHaveLength(1);
    for (const request of [...fromGithub, ...fromNetlify]) {
      const message = asSlackMessage(request);
      expect(validateMessage(message)).toEqual([]);
      const types = message.blocks.map((block) => block.type);
      expect(types[0]).toBe("header");
      expect(types.at(-1)).toBe("actions");
      expect(
        message.blocks.some((block) => block.type === "section" && (block.fields ?? []).length >= 4),
      ).toBe(true);
      expect(message.text.length).toBeGreaterThan(0);
    }
    const [g, n] = [asSlackMessage(fromGithub[0]), asSlackMessage(fromNetlify[0])];
    const labels = (m: typeof g) => fieldTexts(m).map((text) => text.split("\n", 1)[0]);
    expect(labels(g)).toEqual(expect.arrayContaining(["*Repository*", "*Branch*", "*Workflow*", "*Commit*"]));
    expect(labels(n)).toEqual(expect.arrayContaining(["*Site*", "*Branch*", "*Context*", "*Commit*"]));
    expect(buttons(g).map((b) => b.text)).toEqual(["View logs"]);
    expect(buttons(n).map((b) => b.text)).toEqual(["View deploy log"]);
  });

  it("never lets the log access token, secrets, signatures or the Slack URL reach a log or a message", ({
    vigie,
    slack,
  }) => {
    const logs = vigie.logs();
    const messages = slack.messages.map((message) => message.raw).join("\n");
    for (const text of [logs, messages]) {
      expect(text).not.toContain(LOG_ACCESS_TOKEN);
      expect(text).not.toContain(SKEW_PROTECTION_TOKEN);
      expect(text).not.toContain(NETLIFY_SECRET);
      expect(text).not.toContain(GITHUB_SECRET);
    }
    expect(logs).not.toContain(slackPath(slack));
    for (const signature of new Set(signatures)) {
      expect(logs).not.toContain(signature);
      // The signature part of the JWS alone (its header and claims are not secret).
      expect(logs).not.toContain(signature.split(".")[2]);
    }
  });
});
