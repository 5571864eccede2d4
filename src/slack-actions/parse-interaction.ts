import {
  array,
  type infer as Infer,
  literal,
  looseObject,
  maxLength,
  minLength,
  nullable,
  object,
  optional,
  string,
} from "zod/mini";
import { fieldOf } from "../field-of.ts";
import { ACTION, CONTROLS_BLOCK_ID, MUTE_OPTIONS, type MuteChoice } from "../slack/controls.ts";
import { type ControlRef, decodeControlRef, decodeStormRef } from "./control-ref.ts";

/**
 * Slack's interactivity request, once its signature is checked: `application/x-www-form-urlencoded` with one
 * field, `payload`, a JSON block_actions payload
 * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload). Only the fields vigie reads
 * are validated; the rest passes through untouched. Anything else (another payload type, a control that is
 * not ours, a value that is not a ref) is an `invalid` result naming what is wrong, for a 400 and a log line.
 */
const SHORT = 255;
const id = () => string().check(minLength(1), maxLength(SHORT));

const payloadSchema = object({
  type: literal("block_actions"),
  user: object({ id: id() }),
  channel: optional(object({ id: id() })),
  container: optional(looseObject({ type: optional(string()) })),
  message: optional(
    looseObject({
      ts: id(),
      text: optional(string()),
      thread_ts: optional(id()),
      blocks: optional(
        array(looseObject({ type: string(), block_id: optional(string()) })).check(maxLength(50)),
      ),
    }),
  ),
  actions: array(
    object({
      action_id: id(),
      action_ts: id(),
      block_id: optional(string()),
      value: optional(string().check(maxLength(2000))),
      selected_option: optional(nullable(object({ value: string().check(maxLength(150)) }))),
    }),
  ).check(minLength(1), maxLength(25)),
  response_url: optional(string().check(maxLength(2000))),
});

export type SlackBlock = NonNullable<NonNullable<Infer<typeof payloadSchema>["message"]>["blocks"]>[number];

export type ActionKind = "rerun" | "mute" | "ack" | "mute_storm";

interface Clicked {
  /** Who clicked (a Slack user id). */
  readonly user: string;
  readonly channel: string;
  /** The message the control is on. */
  readonly messageTs: string;
  readonly actionTs: string;
  /** The message as Slack shows it, for an update in place (acknowledge). */
  readonly message: { readonly text: string; readonly blocks: readonly SlackBlock[] };
}

export type Interaction =
  | (Clicked & {
      readonly kind: "rerun" | "mute" | "ack";
      readonly ref: ControlRef;
      /** vigie.mute: the chosen duration. */
      readonly mute: MuteChoice | null;
    })
  /** A storm digest's "Mute these sites". */
  | (Clicked & { readonly kind: "mute_storm"; readonly sites: readonly string[] });

export type ParsedInteraction =
  | { readonly kind: "action"; readonly interaction: Interaction }
  /** A click vigie has nothing to do with (a "View logs" link button). */
  | { readonly kind: "ignored"; readonly reason: string }
  | { readonly kind: "invalid"; readonly problem: string };

const KINDS: Readonly<Record<string, ActionKind>> = {
  [ACTION.rerun]: "rerun",
  [ACTION.mute]: "mute",
  [ACTION.ack]: "ack",
  [ACTION.muteStorm]: "mute_storm",
};

/** The ref of the controls block the select sits in: its buttons carry it (a select option cannot, ≤ 150). */
const refInBlocks = (blocks: readonly SlackBlock[]): ControlRef | null => {
  const controls = blocks.find((block) => block.type === "actions" && block.block_id === CONTROLS_BLOCK_ID);
  const elements: unknown = fieldOf(controls, "elements");
  if (!Array.isArray(elements)) return null;
  for (const element of elements) {
    const actionId = fieldOf(element, "action_id");
    const value = fieldOf(element, "value");
    if ((actionId === ACTION.ack || actionId === ACTION.rerun) && typeof value === "string") {
      return decodeControlRef(value);
    }
  }
  return null;
};

const invalid = (problem: string): ParsedInteraction => ({ kind: "invalid", problem });

export const parseInteraction = (body: string): ParsedInteraction => {
  const field = new URLSearchParams(body).get("payload");
  if (field === null) return invalid("no payload field in the form body");
  let json: unknown;
  try {
    json = JSON.parse(field);
  } catch {
    return invalid("payload is not JSON");
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(`payload ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  const payload = parsed.data;
  const [action] = payload.actions;
  if (action === undefined) return invalid("payload actions: empty");
  const kind = KINDS[action.action_id];
  if (kind === undefined) {
    return action.action_id.startsWith("vigie.")
      ? invalid(`unknown control ${action.action_id.slice(0, 60)}`)
      : { kind: "ignored", reason: "not a vigie control" };
  }
  if (payload.channel === undefined || payload.message === undefined) {
    return invalid("no channel or message: vigie's controls are only on messages it posted");
  }
  const blocks = payload.message.blocks ?? [];
  const clicked: Clicked = {
    user: payload.user.id,
    channel: payload.channel.id,
    messageTs: payload.message.ts,
    actionTs: action.action_ts,
    message: { text: payload.message.text ?? "", blocks },
  };
  if (kind === "mute_storm") {
    const sites = action.value === undefined ? null : decodeStormRef(action.value);
    if (sites === null) return invalid(`${action.action_id}: no site list in the control`);
    return { kind: "action", interaction: { ...clicked, kind, sites } };
  }
  const ref =
    kind === "mute"
      ? refInBlocks(blocks)
      : action.value === undefined
        ? null
        : decodeControlRef(action.value);
  if (ref === null) return invalid(`${action.action_id}: no episode reference in the control`);
  let mute: MuteChoice | null = null;
  if (kind === "mute") {
    const chosen = action.selected_option?.value;
    const option = MUTE_OPTIONS.find((candidate) => candidate.value === chosen);
    if (option === undefined) return invalid(`vigie.mute: unknown duration ${String(chosen).slice(0, 20)}`);
    mute = option.value;
  }
  return {
    kind: "action",
    interaction: { ...clicked, kind, ref, mute },
  };
};
