import { isNotice, type Notice, type TestNotice } from "../destinations/notice.ts";
import { withAutoRerunNote } from "../rerun/auto-rerun-note.ts";
import { DIGEST_MAX_CHARS, formatDigest } from "./digest.ts";
import type { SlackMessage } from "./message.ts";
import { formatFailure, formatRecovery, formatReminder, formatResolved } from "./run-messages.ts";
import { formatTestNotice } from "./test-message.ts";

/**
 * The Slack message of a notice (src/destinations/notice.ts), for every Slack kind: incoming webhooks, the
 * Slack app, Mattermost (which gets it as attachments, attachments.ts) and the dry run. An outbox entry
 * written before notices holds its Slack message already: it is sent as it is. A test notice (never stored)
 * is the doctor's marked test message.
 */
export const formatNotice = (message: Notice | TestNotice | SlackMessage): SlackMessage => {
  if (!isNotice(message)) return message;
  switch (message.notice) {
    case "failure": {
      const failure = formatFailure(
        message.event,
        message.mention === null ? {} : { mention: message.mention },
      );
      return message.autoRerun ? withAutoRerunNote(failure, message.autoRerun.rule) : failure;
    }
    case "recovery":
      return formatRecovery(message.event, message.episode);
    case "update":
      return formatResolved(message.first, message.event, message.episode);
    case "reminder":
      return formatReminder(message.event, message.episode, message.at);
    case "digest":
      return formatDigest(
        message.items.map(({ event }) => ({ event })),
        message.kind,
        { maxChars: DIGEST_MAX_CHARS, part: message.part },
      );
    case "test":
      return formatTestNotice(message);
  }
};
