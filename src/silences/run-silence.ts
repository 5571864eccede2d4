import { array, boolean, nullable, number, object, optional, string } from "zod/mini";
import { fieldOf } from "../field-of.ts";
import type { Store } from "../store/store.ts";
import { silenceConditions, silenceEnd } from "./describe-silence.ts";
import { isActive } from "./match-silence.ts";
import type { SilenceCommand } from "./silence-args.ts";
import { parseSilence, type Silence } from "./silence-record.ts";
import { silenceSpec } from "./silence-spec.ts";
import { addSilence, listSilences, removeSilence } from "./silence-store.ts";

/**
 * What `npm run silence` does, against a backend: the local store of `npm start`, or a deployed vigie's
 * `/status/silences` (with VIGIE_STATUS_TOKEN). Returns the exit code: 0 done, 1 refused or failed, 2 usage.
 */
export interface SilenceBackend {
  add(request: Extract<SilenceCommand, { command: "add" }>["request"]): Promise<Silence | string>;
  list(): Promise<Silence[]>;
  remove(id: string): Promise<boolean>;
}

export const localBackend = (store: Store, now: () => number): SilenceBackend => ({
  add: async (request) => {
    const spec = silenceSpec(request, now());
    return typeof spec === "string" ? spec : addSilence(store, spec, "cli", now());
  },
  list: () => listSilences(store),
  remove: (id) => removeSilence(store, id, now()),
});

const answerSchema = object({
  silence: optional(object({ id: string() })),
  silences: optional(array(object({ id: string(), active: optional(boolean()) }))),
  reason: optional(string()),
  removed: optional(nullable(string())),
  until: optional(nullable(number())),
});

/** A deployed vigie's silences, through its status route; the token goes to that origin only. */
export const remoteBackend = (
  baseUrl: string,
  token: string,
  fetchImpl: typeof fetch = fetch,
): SilenceBackend => {
  const url = `${baseUrl.replace(/\/+$/, "")}/status/silences`;
  const call = async (method: string, path = "", body?: unknown) => {
    const response = await fetchImpl(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: "manual",
      signal: AbortSignal.timeout(15_000),
    });
    const json: unknown = await response.json().catch(() => null);
    const parsed = answerSchema.safeParse(json);
    if (response.status === 401) throw new Error(`${url} refused VIGIE_STATUS_TOKEN (401)`);
    if (response.status === 404 && method !== "DELETE")
      throw new Error(
        `${url} answered 404: is VIGIE_STATUS_TOKEN set on the deployed vigie, and is it this version?`,
      );
    return { status: response.status, json, parsed: parsed.success ? parsed.data : null };
  };
  const silencesOf = (json: unknown): Silence[] => {
    const list = fieldOf(json, "silences");
    return Array.isArray(list) ? list.map(parseSilence).filter((s): s is Silence => s !== null) : [];
  };
  return {
    add: async (request) => {
      const { status, json, parsed } = await call("POST", "", request);
      if (status === 201) {
        const silence = parseSilence(fieldOf(json, "silence"));
        if (silence !== null) return silence;
      }
      return parsed?.reason ?? `${url} answered ${status}`;
    },
    list: async () => {
      const { status, json } = await call("GET");
      if (status !== 200) throw new Error(`${url} answered ${status}`);
      return silencesOf(json);
    },
    remove: async (id) => (await call("DELETE", `?id=${encodeURIComponent(id)}`)).status === 200,
  };
};

const line = (silence: Silence, now: number): string =>
  [
    silence.id.padEnd(8),
    (isActive(silence, now) ? "active" : "ended").padEnd(6),
    silenceConditions(silence),
    `· ${silenceEnd(silence, now)}`,
    `· by ${silence.by}`,
    silence.reason === null ? "" : `· ${silence.reason}`,
  ]
    .filter((part) => part !== "")
    .join("  ");

export const runSilence = async (
  command: SilenceCommand,
  backend: SilenceBackend,
  out: { log: (text: string) => void; error: (text: string) => void },
  now: () => number = Date.now,
): Promise<number> => {
  switch (command.command) {
    case "add": {
      const added = await backend.add(command.request);
      if (typeof added === "string") {
        out.error(`✗ ${added}`);
        return 2;
      }
      out.log(`✓ silence ${added.id}: ${silenceConditions(added)}, ${silenceEnd(added, now())}`);
      out.log(`  nothing is posted for what it matches; end it with: npm run silence -- remove ${added.id}`);
      return 0;
    }
    case "list": {
      const silences = await backend.list();
      if (silences.length === 0) out.log("No silence.");
      for (const silence of silences) out.log(line(silence, now()));
      return 0;
    }
    case "remove": {
      if (await backend.remove(command.id)) {
        out.log(`✓ silence ${command.id} removed`);
        return 0;
      }
      out.error(`✗ no silence ${command.id} (npm run silence -- list shows them)`);
      return 1;
    }
  }
};
