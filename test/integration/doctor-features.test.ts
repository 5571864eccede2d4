/**
 * `npm run doctor` end to end, its operator features: a dry run is ✗, the status route it cannot read
 * here is –, `--send-test` posts one marked message to each destination (a local Slack stand-in, and a
 * JSON receiver that verifies the signature), and
 * `--workflows` finds workflows that post to Slack themselves (a local GitHub API stand-in).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { type SlackRequest, type SlackStandIn, slackReply, startSlackStandIn } from "./harness.ts";
import { runScript } from "./run-script.ts";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
const slack = async (): Promise<SlackStandIn> => {
  const standIn = await startSlackStandIn();
  closers.push(() => standIn.close());
  return standIn;
};

const BASE_ENV = { GITHUB_WEBHOOK_SECRET: "gh-secret" };

describe("npm run doctor: nothing silent", () => {
  it("a dry run is ✗ naming SLACK_WEBHOOK_URL (exit 1); the status route it cannot read here is –", async () => {
    const result = await runScript("doctor.ts", ["--url", "https://vigie.example"], BASE_ENV);
    expect(result.stdout).toMatch(/✗ Slack: DRY RUN: .*NOTHING IS SENT.* → set SLACK_WEBHOOK_URL/);
    expect(result.stdout).toMatch(/– Status route: not checked: set VIGIE_STATUS_TOKEN here/);
    expect(result.stdout).toContain("1 problem (✗).");
    expect(result.code).toBe(1);
  });
});

describe("npm run doctor -- --send-test", () => {
  it("posts one message marked [TEST] to each destination and says what each answered", async () => {
    const main = await slack();
    const themes = await slack();
    themes.enqueue(slackReply.channelNotFound());
    const result = await runScript("doctor.ts", ["--send-test"], {
      ...BASE_ENV,
      SLACK_WEBHOOK_URL: main.url,
      SLACK_WEBHOOK_URL_THEMES: themes.url,
    });
    expect(main.messages).toHaveLength(1);
    expect(main.messages[0]?.body?.text).toMatch(/^\[TEST\] vigie test message to default: not a failure/);
    expect(themes.messages).toHaveLength(1);
    expect(result.stdout).toContain("✓ Test to default: SLACK_WEBHOOK_URL accepted it");
    expect(result.stdout).toMatch(
      /✗ Test to THEMES: SLACK_WEBHOOK_URL_THEMES refused it: http 404: channel_not_found → check SLACK_WEBHOOK_URL_THEMES/,
    );
    expect(result.stdout + result.stderr).not.toContain("harnessSecretToken");
    expect(result.code).toBe(1);
  });

  it("to one destination only; an unknown one is ✗; a dry run is ✗", async () => {
    const main = await slack();
    const themes = await slack();
    const env = { ...BASE_ENV, SLACK_WEBHOOK_URL: main.url, SLACK_WEBHOOK_URL_THEMES: themes.url };
    const one = await runScript("doctor.ts", ["--send-test", "themes"], env);
    expect(one.code).toBe(0);
    expect(themes.messages).toHaveLength(1);
    expect(main.messages).toHaveLength(0);
    const unknown = await runScript("doctor.ts", ["--send-test", "DOCS"], env);
    expect(unknown.stdout).toContain(
      "✗ Test to DOCS: no destination DOCS → set SLACK_WEBHOOK_URL_DOCS, or pick one of default, THEMES",
    );
    const dry = await runScript("doctor.ts", ["--send-test"], BASE_ENV);
    expect(dry.stdout).toContain("✗ Test to default: DRY RUN: nothing was sent");
    expect(dry.code).toBe(1);
  });
});

describe("npm run doctor -- --send-test to a JSON destination", () => {
  it("reaches the receiver as a signed vigie.test document, which it verifies; the doctor says it passed", async () => {
    const secret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
    const verified: unknown[] = [];
    // The receiver answers 204 only to a request whose Standard Webhooks signature verifies, 401 otherwise.
    const receiver = await startSlackStandIn({
      respond: (request: SlackRequest) => {
        try {
          verified.push(new Webhook(secret).verify(request.raw, request.headers as Record<string, string>));
          return { kind: "status", status: 204, body: "" };
        } catch {
          return { kind: "status", status: 401, body: "bad signature" };
        }
      },
    });
    closers.push(() => receiver.close());
    const result = await runScript("doctor.ts", ["--send-test", "PAGER"], {
      ...BASE_ENV,
      JSON_WEBHOOK_URL_PAGER: `${receiver.origin}/hooks/it-pager-secret-path`,
      JSON_WEBHOOK_SECRET_PAGER: secret,
    });
    expect(receiver.messages).toHaveLength(1);
    expect(receiver.messages[0]?.status).toBe(204);
    expect(verified).toEqual([
      expect.objectContaining({
        type: "vigie.test",
        version: 1,
        data: { destination: "PAGER", sentBy: "npm run doctor -- --send-test" },
      }),
    ]);
    expect(result.stdout).toMatch(
      /✓ Test to PAGER: JSON_WEBHOOK_URL_PAGER\b.* accepted it: look for the message marked \[TEST\]/,
    );
    expect(result.stdout + result.stderr).not.toContain("it-pager-secret-path");
    expect(result.code).toBe(0);
  });
});

/** GitHub's repos and contents APIs for one organisation, from a map of repo → { path: text }. */
const githubContents = async (org: string, repos: Record<string, Record<string, string>>) => {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url.pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== "Bearer gh-token") return send(401, { message: "Bad credentials" });
    if (url.pathname === `/orgs/${org}/repos`) {
      const all = Object.keys(repos).map((name) => ({
        full_name: `${org}/${name}`,
        archived: name.startsWith("old"),
      }));
      const per = Number(url.searchParams.get("per_page"));
      const page = Number(url.searchParams.get("page"));
      return send(200, all.slice((page - 1) * per, page * per));
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/.exec(url.pathname);
    const files = match ? repos[match[2] as string] : undefined;
    if (!match || !files) return send(404, { message: "Not Found" });
    const path = decodeURIComponent(match[3] as string);
    if (path === ".github/workflows") {
      const entries = Object.keys(files).map((file) => ({
        type: "file",
        path: file,
        name: file.split("/").at(-1),
      }));
      return entries.length === 0 ? send(404, { message: "Not Found" }) : send(200, entries);
    }
    const text = files[path];
    if (text === undefined) return send(404, { message: "Not Found" });
    return send(200, { type: "file", encoding: "base64", content: Buffer.from(text).toString("base64") });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  closers.push(() => new Promise((done) => server.close(() => done())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
};

describe("npm run doctor -- --workflows", () => {
  it("lists each workflow step that posts to Slack itself, with the file and line (exit 1)", async () => {
    const api = await githubContents("acme", {
      "site-1": {
        ".github/workflows/deploy.yml": [
          "on: push",
          "jobs:",
          "  build:",
          "    steps:",
          "      - uses: actions/checkout@v4",
          "      - name: tell Slack",
          "        uses: rtCamp/action-slack-notify@v2",
        ].join("\n"),
        ".github/workflows/notify.yaml":
          "steps:\n  - uses: 'slackapi/slack-github-action@v1.24.0'\n  # - uses: 8398a7/action-slack@v3\n",
      },
      "site-2": { ".github/workflows/ci.yml": "steps:\n  - uses: actions/setup-node@v4\n" },
      "site-3": {},
      "old-site": { ".github/workflows/ci.yml": "      - uses: 8398a7/action-slack@v3\n" },
    });
    const result = await runScript("doctor.ts", ["--workflows", "--org", "acme"], {
      ...BASE_ENV,
      GITHUB_TOKEN: "gh-token",
      GITHUB_API_URL: api.url,
    });
    expect(result.stdout).toContain(
      "✗ acme/site-1: .github/workflows/deploy.yml:7 uses rtCamp/action-slack-notify",
    );
    expect(result.stdout).toContain(
      "✗ acme/site-1: .github/workflows/notify.yaml:2 uses slackapi/slack-github-action",
    );
    expect(result.stdout).not.toContain("site-2");
    expect(result.stdout).not.toContain("old-site");
    expect(result.stdout).not.toContain("8398a7");
    expect(result.stdout).toContain("2 problems (✗).");
    expect(result.code).toBe(1);
    expect(api.requests.some((path) => path.includes("old-site"))).toBe(false);
  });

  it("says when none does (exit 0), and is – without a token", async () => {
    const api = await githubContents("acme", { "site-2": { ".github/workflows/ci.yml": "steps: []\n" } });
    const clean = await runScript("doctor.ts", ["--workflows", "--org", "acme"], {
      ...BASE_ENV,
      GITHUB_TOKEN: "gh-token",
      GITHUB_API_URL: api.url,
    });
    expect(clean.stdout).toContain(
      "✓ Workflows: 1 repositories of acme, 1 workflow files: none posts to Slack itself",
    );
    expect(clean.code).toBe(0);
    const off = await runScript("doctor.ts", ["--workflows"], BASE_ENV);
    expect(off.stdout).toContain("– Workflows: not checked");
    expect(off.code).toBe(0);
  });
});
