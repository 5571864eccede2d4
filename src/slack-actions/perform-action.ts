import type { Config } from "../config.ts";
import { describeError, type Logger } from "../log.ts";
import { type RerunDeps, rerun } from "../rerun/rerun.ts";
import { addSilence } from "../silences/silence-store.ts";
import { CONTROLS_BLOCK_ID, controlsBlock, MUTE_OPTIONS, STORM_MUTE_HOURS } from "../slack/controls.ts";
import { escapeMrkdwn } from "../slack/escape.ts";
import type { Store } from "../store/store.ts";
import { writeAck } from "./ack-record.ts";
import { claimAction } from "./claim-action.ts";
import type { Interaction } from "./parse-interaction.ts";
import type { SlackReplies } from "./slack-replies.ts";

/**
 * What a control does, after Slack has had its answer (docs/architecture.md, "Acting from Slack"): claim
 * the interaction (once per `action_ts`), check who clicked, then re-run, mute or acknowledge, and say so
 * in the message's thread (or update it in place). Every outcome is one log line; nothing here throws.
 */
export interface ActionDeps {
  readonly config: Config;
  readonly store: Store;
  readonly replies: SlackReplies | null;
  readonly log: Logger;
  readonly now: () => number;
  readonly rerun?: RerunDeps;
}

type OnEpisode = Extract<Interaction, { kind: "rerun" | "mute" | "ack" }>;
type OnStorm = Extract<Interaction, { kind: "mute_storm" }>;

const HOURS: Readonly<Record<string, number>> = { "1h": 1, "4h": 4, "24h": 24 };

const who = (interaction: Interaction): string => `<@${interaction.user}>`;

const where = (interaction: OnEpisode): string => {
  const { site, branch } = interaction.ref;
  return `*${escapeMrkdwn(site)}*${branch === null ? "" : ` on ${escapeMrkdwn(branch)}`}`;
};

const doRerun = async (interaction: OnEpisode, deps: ActionDeps): Promise<string> => {
  const result = await rerun(interaction.ref.target, deps.config.actions.rerun, deps.rerun);
  deps.log(result.kind === "accepted" ? "info" : "warn", "slack action: re-run", {
    user: interaction.user,
    stream: interaction.ref.stream,
    result: result.kind,
    status: result.kind === "accepted" ? null : result.status,
  });
  const said = escapeMrkdwn(result.text);
  return result.kind === "accepted"
    ? `🔁 ${who(interaction)} asked for a re-run: ${said}.`
    : `⚠️ ${who(interaction)} asked for a re-run, which did not start: ${said}.`;
};

const doMute = async (interaction: OnEpisode, deps: ActionDeps): Promise<string> => {
  const now = deps.now();
  const choice = interaction.mute ?? "1h";
  const untilGreen = choice === "green";
  const hours = HOURS[choice] ?? 1;
  const silence = await addSilence(
    deps.store,
    {
      match: {
        site: interaction.ref.site,
        branch: interaction.ref.branch,
        source: interaction.ref.target.source,
        stream: interaction.ref.stream,
      },
      until: untilGreen ? null : now + hours * 3_600_000,
      untilGreen,
      reason: null,
    },
    `<@${interaction.user}>`,
    now,
  );
  deps.log("info", "slack action: muted", {
    user: interaction.user,
    stream: interaction.ref.stream,
    silence: silence.id,
    until: silence.until,
    untilGreen,
  });
  const label = MUTE_OPTIONS.find((option) => option.value === choice)?.label ?? choice;
  const end =
    silence.until === null
      ? ""
      : ` (until <!date^${Math.floor(silence.until / 1000)}^{time}|${new Date(silence.until).toISOString().slice(11, 16)} UTC>)`;
  return `🔕 ${who(interaction)} muted ${where(interaction)} ${label}${end}: no message about it until then (silence \`${silence.id}\`, \`npm run silence -- remove ${silence.id}\` ends it).`;
};

/** The message as it was, with "<@U…> is on it" above its controls. */
const acknowledged = (interaction: OnEpisode, at: number): unknown[] => {
  const kept = interaction.message.blocks.filter(
    (block) => block.block_id !== CONTROLS_BLOCK_ID && block.block_id !== "vigie.ack",
  );
  const controls = controlsBlock(interaction.ref);
  const note = {
    type: "context",
    block_id: "vigie.ack",
    elements: [
      {
        type: "mrkdwn",
        text: `🙋 ${who(interaction)} is on it (since <!date^${Math.floor(at / 1000)}^{time}|${new Date(at).toISOString().slice(11, 16)} UTC>)`,
      },
    ],
  };
  return [...kept.slice(0, 48), note, ...(controls === null ? [] : [controls])];
};

const doAck = async (interaction: OnEpisode, deps: ActionDeps): Promise<null> => {
  const at = deps.now();
  await writeAck(deps.store, {
    episode: interaction.ref.episode,
    stream: interaction.ref.stream,
    site: interaction.ref.site,
    branch: interaction.ref.branch,
    user: interaction.user,
    at,
  });
  deps.log("info", "slack action: acknowledged", {
    user: interaction.user,
    stream: interaction.ref.stream,
    episode: interaction.ref.episode,
  });
  await deps.replies?.update(
    interaction.channel,
    interaction.messageTs,
    interaction.message.text,
    acknowledged(interaction, at),
  );
  return null;
};

const doMuteStorm = async (interaction: OnStorm, deps: ActionDeps): Promise<string> => {
  const now = deps.now();
  const silence = await addSilence(
    deps.store,
    {
      match: { site: null, branch: null, source: null, stream: null, sites: [...interaction.sites] },
      until: now + STORM_MUTE_HOURS * 3_600_000,
      untilGreen: false,
      reason: "storm muted from Slack",
    },
    `<@${interaction.user}>`,
    now,
  );
  deps.log("info", "slack action: storm muted", {
    user: interaction.user,
    sites: interaction.sites.length,
    silence: silence.id,
  });
  const count = interaction.sites.length;
  return `🔕 ${who(interaction)} muted ${count === 1 ? "this site" : `these ${count} sites`} for ${STORM_MUTE_HOURS} hour: no message about them until then (silence \`${silence.id}\`).`;
};

export const performAction = async (interaction: Interaction, deps: ActionDeps): Promise<void> => {
  try {
    const claimed = await claimAction(deps.store, {
      actionTs: interaction.actionTs,
      user: interaction.user,
      action: interaction.kind,
      at: deps.now(),
    });
    if (!claimed) {
      deps.log("info", "slack action: already acted on (replayed interaction)", {
        actionTs: interaction.actionTs,
        action: interaction.kind,
      });
      return;
    }
    const users = deps.config.actions.users;
    if (users !== null && !users.has(interaction.user)) {
      deps.log("warn", "slack action: refused, the user is not in SLACK_ACTION_USERS", {
        user: interaction.user,
        action: interaction.kind,
      });
      await deps.replies?.ephemeral(
        interaction.channel,
        interaction.user,
        "Sorry, you may not use vigie's controls here: ask whoever runs vigie to add your Slack user id to SLACK_ACTION_USERS.",
      );
      return;
    }
    const text =
      interaction.kind === "mute_storm"
        ? await doMuteStorm(interaction, deps)
        : interaction.kind === "rerun"
          ? await doRerun(interaction, deps)
          : interaction.kind === "mute"
            ? await doMute(interaction, deps)
            : await doAck(interaction, deps);
    if (text !== null) await deps.replies?.thread(interaction.channel, interaction.messageTs, text);
  } catch (error) {
    deps.log("error", "slack action failed", {
      action: interaction.kind,
      actionTs: interaction.actionTs,
      ...describeError(error),
    });
  }
};
