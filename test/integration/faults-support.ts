/**
 * Helpers shared by the fault and semantics integration suites (delivery-faults.test.ts,
 * semantics.test.ts): signed deliveries that remember every signature they sent (to prove none reaches a
 * log), a read-only look into the outbox of a running instance, sweeping until the outbox is drained,
 * and raw HTTP for what fetch cannot send (a chunked body without Content-Length).
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { BlobsServer } from "@netlify/blobs/server";
import { signGithub } from "../../samples/github.ts";
import { signNetlify } from "../../samples/netlify.ts";
import { PREFIX } from "../../src/pipeline/keys.ts";
import { parseLedger } from "../../src/pipeline/ledger.ts";
import type { OutboxState } from "../../src/pipeline/outbox.ts";
import { parseAnyStream, parseOutboxEntry } from "../../src/pipeline/records.ts";
import { BlobsStore } from "../../src/store/blobs-store.ts";
import { vigieTest } from "./fixture.ts";
import {
  type Answer,
  postGithub,
  postNetlify,
  type SlackReply,
  type SlackRequest,
  type SlackStandIn,
  slackReply,
  type Vigie,
} from "./harness.ts";
import { GITHUB_SECRET, NETLIFY_SECRET } from "./support.ts";

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Signs and posts deliveries, and remembers every signature header value it sent. */
export interface Sender {
  github(payload: object, options?: { delivery?: string; event?: string; raw?: boolean }): Promise<Answer>;
  netlify(deploy: object, options?: { event?: string }): Promise<Answer>;
  /** Every X-Hub-Signature-256 and X-Webhook-Signature value sent so far. */
  readonly signatures: string[];
}

export const createSender = (vigie: Vigie, secrets: { github: string; netlify: string }): Sender => {
  const signatures: string[] = [];
  return {
    signatures,
    github: async (payload, options = {}) => {
      const text = JSON.stringify(payload);
      const signature = await signGithub(secrets.github, text);
      signatures.push(signature);
      return postGithub(vigie.url, text, {
        headers: { "x-hub-signature-256": signature },
        ...(options.delivery === undefined ? {} : { delivery: options.delivery }),
        ...(options.event === undefined ? {} : { event: options.event }),
        ...(options.raw === undefined ? {} : { raw: options.raw }),
      });
    },
    netlify: async (deploy, options = {}) => {
      const text = JSON.stringify(deploy);
      const signature = await signNetlify(secrets.netlify, text);
      signatures.push(signature);
      const state = (deploy as { state?: unknown }).state;
      const event =
        options.event ?? (state === "error" ? "deploy_failed" : state === "ready" ? "deploy_created" : null);
      return postNetlify(vigie.url, text, {
        headers: { "x-webhook-signature": signature },
        event,
      });
    },
  };
};

export interface OutboxRow {
  readonly key: string;
  readonly kind: string;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly leaseUntil: number;
  readonly summary: string;
  readonly lastError: string | null;
}

/**
 * A read-only view of a running instance's store, through a second local Blobs server on the same
 * directory (what `npm run outbox` does). It only reads: the instance's own server does every write.
 */
export interface StorePeek {
  outbox(): Promise<OutboxRow[]>;
  /** Outbox entries still to be sent (pending or sending). */
  waiting(): Promise<OutboxRow[]>;
  keys(prefix: string): Promise<string[]>;
  /**
   * Until when the invocation that let repository or site `name`'s open episode in holds its send (its destination ledger's
   * lease, written before the post; the outbox entry is written once the post has an answer): 0 if none.
   */
  leaseOf(name: string): Promise<number>;
  stop(): Promise<void>;
}

export const peekStore = async (vigie: Vigie): Promise<StorePeek> => {
  const token = randomUUID();
  const server = new BlobsServer({ directory: join(vigie.dir, ".netlify", "blobs-serve"), token });
  const { port } = await server.start();
  // `netlify functions:serve --offline` runs an unlinked site under this id (scripts/outbox.ts).
  const store = BlobsStore.open(
    { siteID: "unlinked", token, url: `http://127.0.0.1:${port}` },
    { verifyConditionalWrites: false },
  );
  const keys = (prefix: string): Promise<string[]> => store.list(prefix);
  const outbox = async (): Promise<OutboxRow[]> => {
    const rows: OutboxRow[] = [];
    for (const key of await keys(PREFIX.outbox)) {
      const entry = parseOutboxEntry(await store.read(key));
      if (!entry) continue;
      const { kind, state, attempts, nextAttemptAt, leaseUntil, summary, lastError } = entry;
      rows.push({ key, kind, state, attempts, nextAttemptAt, leaseUntil, summary, lastError });
    }
    return rows;
  };
  return {
    outbox,
    waiting: async () => (await outbox()).filter((row) => row.state === "pending" || row.state === "sending"),
    keys,
    leaseOf: async (name) => {
      const episodes = new Set<string>();
      for (const key of await keys(PREFIX.streams)) {
        if (!decodeURIComponent(key).includes(`:${name}:`)) continue;
        const id = parseAnyStream(await store.read(key))?.episode?.id;
        if (id) episodes.add(id);
      }
      let until = 0;
      for (const key of await keys(PREFIX.ledger)) {
        for (const opener of parseLedger(await store.read(key)).openers) {
          if (episodes.has(opener.episodeId)) until = Math.max(until, opener.leaseUntil ?? 0);
        }
      }
      return until;
    },
    stop: () => server.stop(),
  };
};

/** Counts vigie's "sweep" report lines (one per sweep that got the lease and finished). */
export const sweepReports = (vigie: Vigie): Array<Record<string, unknown>> =>
  vigie.logLines().filter((line) => line.msg === "sweep");

/**
 * Runs the scheduled sweep once and returns its report (the JSON log line with msg "sweep"), or null
 * when it logged none (another sweep held the lease). The CLI answers once the function has returned,
 * so the line is there or about to be.
 */
export const sweepOnce = async (vigie: Vigie): Promise<Record<string, unknown> | null> => {
  const before = sweepReports(vigie).length;
  const answer = await vigie.sweep();
  await answer.text();
  for (let i = 0; i < 40; i++) {
    const reports = sweepReports(vigie);
    if (reports.length > before) return reports[reports.length - 1] ?? null;
    await sleep(50);
  }
  return null;
};

/**
 * Sweeps until nothing is waiting in the outbox (and no storm digest item is left), at most `maxSweeps`
 * times; between sweeps it waits until the earliest next attempt is due (bounded by `maxWaitMs`).
 * `only`: look only at the entries whose summary names this (a repository), ignoring the others.
 * Returns the number of sweeps run; throws with the outbox's state if it never drained.
 */
export const drainOutbox = async (
  vigie: Vigie,
  peek: StorePeek,
  options: { maxSweeps?: number; maxWaitMs?: number; only?: string } = {},
): Promise<number> => {
  const maxSweeps = options.maxSweeps ?? 6;
  const maxWaitMs = options.maxWaitMs ?? 6_000;
  const { only } = options;
  for (let sweeps = 0; ; ) {
    const waiting = (await peek.waiting()).filter((row) => only === undefined || row.summary.includes(only));
    const digestItems = await peek.keys(PREFIX.digest);
    if (waiting.length === 0 && digestItems.length === 0) return sweeps;
    if (sweeps >= maxSweeps) {
      throw new Error(
        `outbox not drained after ${sweeps} sweeps: ${JSON.stringify(waiting)}; digest items: ${digestItems.length}; ` +
          `last log lines:\n${vigie
            .logLines()
            .slice(-25)
            .map((line) => JSON.stringify(line))
            .join("\n")}`,
      );
    }
    const now = Date.now();
    const due = Math.min(
      ...waiting.map((row) => (row.state === "pending" ? row.nextAttemptAt : row.leaseUntil)),
    );
    if (due > now) await sleep(Math.min(due - now + 100, maxWaitMs));
    await sweepOnce(vigie);
    sweeps++;
    await sleep(100);
  }
};

/**
 * Scripted Slack replies per repository or site: each request whose body names it gets the next reply
 * planned for it, then "ok". Unlike the stand-in's single queue, a retry of another test's message can
 * never take a reply meant for this one.
 */
export const planReplies = (slack: SlackStandIn): ((name: string, ...replies: SlackReply[]) => void) => {
  const plans = new Map<string, SlackReply[]>();
  slack.setRespond((request) => {
    for (const [name, replies] of plans) {
      if (request.raw.includes(name)) return replies.shift() ?? slackReply.ok();
    }
    return slackReply.ok();
  });
  return (name, ...replies) => {
    plans.set(name, [...(plans.get(name) ?? []), ...replies]);
  };
};

/** The Slack requests whose body mentions `text` (a repository or site name). */
export const about = (requests: readonly SlackRequest[], text: string): SlackRequest[] =>
  requests.filter((request) => request.raw.includes(text));

/**
 * POSTs `totalBytes` in `chunkBytes` pieces with `Transfer-Encoding: chunked` and no Content-Length
 * (what fetch cannot be told to do for sure), and resolves with the status and body of the answer.
 * The server may answer, and close, before the whole body is written: that is what 413 should do.
 */
export const postChunked = (
  url: string,
  path: string,
  totalBytes: number,
  chunkBytes = 64 * 1024,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; contentLengthSent: boolean }> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "transfer-encoding": "chunked", ...headers },
    });
    let answered = false;
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString("utf8"),
          contentLengthSent: req.getHeader("content-length") !== undefined,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(chunkBytes, "a");
    let sent = 0;
    const writeMore = (): void => {
      while (sent < totalBytes && !answered) {
        const piece = sent + chunkBytes <= totalBytes ? chunk : chunk.subarray(0, totalBytes - sent);
        sent += piece.byteLength;
        if (!req.write(piece)) {
          req.once("drain", writeMore);
          return;
        }
      }
      // Everything written, or the server already answered (413 before reading it all): end the body.
      req.end();
    };
    req.write("{");
    writeMore();
  });

/** ISO time `minutes` after a fixed base, so that runs of one stream are ordered as they happened. */
export const at = (minutes: number): string => new Date(Date.UTC(2026, 0, 5, 9, minutes)).toISOString();

/**
 * The fault and semantics files' `test`: vigieTest (fixture.ts) and, started once per file too, a
 * read-only look into its store (`peek`) and a sender that signs with testEnv's secrets (`send`).
 */
export const faultsTest = vigieTest
  .extend("peek", { scope: "file" }, async ({ vigie }, { onCleanup }) => {
    const peek = await peekStore(vigie);
    onCleanup(() => peek.stop());
    return peek;
  })
  .extend("send", { scope: "file" }, ({ vigie }) =>
    createSender(vigie, { github: GITHUB_SECRET, netlify: NETLIFY_SECRET }),
  );
