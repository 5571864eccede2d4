import { parseArgs } from "node:util";
import { array, number, object, string } from "zod/mini";
import type { Env } from "../src/config/parse.ts";
import { PREFIX } from "../src/pipeline/keys.ts";
import { parseOutboxEntry } from "../src/pipeline/records.ts";
import type { Io } from "../src/setup/cli.ts";
import { parseAge, type ResendReport, resendOutbox } from "../src/status/resend.ts";
import type { Store } from "../src/store/store.ts";
import { callVigie, RemoteError } from "./remote.ts";

export const OUTBOX_USAGE = `Usage: npm run outbox [-- --all]
       npm run outbox -- resend [--dead] [--destination NAME] [--since 1h] [--url BASE]

Without a command: what the local state of \`npm start\` holds (--all lists sent messages too).
resend: dead messages (and, without --dead, those waiting for a retry) go back to waiting; the sweep
sends each once more within a minute. --url: a deployed vigie, through POST /status/outbox/resend with
VIGIE_STATUS_TOKEN. Exit: 0 done, 1 a problem, 2 usage error.`;

export interface OutboxDeps {
  /** The local store; opened only when the command needs it. */
  readonly openStore: () => Promise<{ store: Store; stop: () => Promise<void> } | null>;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

const resendAnswer = object({
  resent: array(object({ summary: string(), kind: string(), destination: string(), was: string() })),
  changed: number(),
  read: number(),
});

const printResend = (report: Pick<ResendReport, "resent" | "changed">, io: Io, where: string): void => {
  if (report.resent.length === 0) io.out(`Nothing to resend in ${where}.`);
  for (const m of report.resent) io.out(`  ${m.was} → waiting  ${m.kind} to ${m.destination}: ${m.summary}`);
  if (report.resent.length > 0)
    io.out(
      `${report.resent.length} message${report.resent.length === 1 ? "" : "s"} back to waiting in ${where}: the sweep sends each once more within a minute (the board shows them move).`,
    );
  if (report.changed > 0)
    io.out(`${report.changed} changed meanwhile (being sent, or resent by someone else): left as they are.`);
};

const list = async (store: Store, all: boolean, io: Io): Promise<void> => {
  const counts: Record<string, number> = {};
  for (const [name, prefix] of Object.entries(PREFIX)) counts[name] = (await store.list(prefix)).length;
  io.out(
    `events ${counts.events}  open episodes ${counts.open}  in flight ${counts.inflight}  digest items ${counts.digest}  outbox ${counts.outbox}`,
  );
  let shown = 0;
  let dead = 0;
  for (const key of await store.list(PREFIX.outbox)) {
    const e = parseOutboxEntry(await store.read(key));
    if (!e || (e.state === "sent" && !all)) continue;
    shown++;
    if (e.state === "dead") dead++;
    const next = e.state === "pending" ? ` next ${new Date(e.nextAttemptAt).toISOString()}` : "";
    io.out(
      `${new Date(e.createdAt).toISOString()}  ${e.state.padEnd(7)} ${e.kind} to ${e.destination ?? "default"}, ${e.attempts} attempt(s)${next}: ${e.summary.slice(0, 60)}${e.lastError ? `\n    last error: ${e.lastError.slice(0, 120)}` : ""}`,
    );
  }
  if (shown === 0)
    io.out(all ? "The outbox is empty." : "Nothing waiting: every message was sent (--all lists them).");
  if (dead > 0)
    io.out(
      `${dead} dead: once the destination is fixed, \`npm run outbox -- resend --dead\` sends each once more.`,
    );
};

/** `npm run outbox`; returns the exit code. */
export const runOutbox = async (
  argv: readonly string[],
  env: Env,
  io: Io,
  deps: OutboxDeps,
): Promise<number> => {
  let values: {
    all?: boolean;
    dead?: boolean;
    destination?: string;
    since?: string;
    url?: string;
    help?: boolean;
  };
  let command: string | undefined;
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        all: { type: "boolean" },
        dead: { type: "boolean" },
        destination: { type: "string" },
        since: { type: "string" },
        url: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    values = parsed.values;
    command = parsed.positionals[0];
    if (parsed.positionals.length > 1 || (command !== undefined && command !== "resend"))
      throw new Error(`unknown command ${parsed.positionals.join(" ")}`);
    if (values.since !== undefined && parseAge(values.since) === null)
      throw new Error(`--since ${values.since} must read like 90s, 30m, 1h or 7d`);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n\n${OUTBOX_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(OUTBOX_USAGE);
    return 0;
  }
  const criteria = {
    deadOnly: values.dead === true,
    destination: values.destination ?? null,
    sinceMs: values.since === undefined ? null : parseAge(values.since),
  };
  if (command === "resend" && values.url !== undefined) {
    try {
      const body = await callVigie(
        env,
        values.url,
        "/status/outbox/resend",
        {
          method: "POST",
          body: {
            deadOnly: criteria.deadOnly,
            destination: criteria.destination,
            since: values.since ?? null,
          },
        },
        deps.fetch,
      );
      const parsed = resendAnswer.safeParse(body);
      if (!parsed.success)
        throw new RemoteError("the deployed vigie answered something else than a resend report: upgrade it");
      printResend(parsed.data, io, values.url);
      return 0;
    } catch (error) {
      if (!(error instanceof RemoteError)) throw error;
      io.err(`vigie: ${error.message}`);
      return 1;
    }
  }
  if (values.url !== undefined) {
    io.err("--url goes with resend; the board (GET /status) shows a deployed vigie's outbox.");
    return 2;
  }
  const opened = await deps.openStore();
  if (opened === null) {
    io.err(
      "No local state: start vigie with `npm start` and send a delivery first (or pass --url BASE for a deployed vigie).",
    );
    return 1;
  }
  try {
    if (command === "resend")
      printResend(
        await resendOutbox(opened.store, criteria, (deps.now ?? Date.now)()),
        io,
        "the local outbox",
      );
    else await list(opened.store, values.all === true, io);
    return 0;
  } finally {
    await opened.stop();
  }
};
