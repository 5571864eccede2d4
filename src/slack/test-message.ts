import type { TestNotice } from "../destinations/notice.ts";
import { utcMinute } from "../text/utc-minute.ts";
import { escapeMrkdwn } from "./escape.ts";
import type { SlackMessage } from "./message.ts";

/**
 * The Slack message of a test notice (`npm run doctor -- --send-test`): marked [TEST] in its header and
 * its notification text, saying it is not a failure and which destination it proves works.
 */
export const formatTestNotice = (notice: TestNotice): SlackMessage => {
  const when = utcMinute(notice.at);
  const destination = escapeMrkdwn(notice.destination);
  const sentBy = escapeMrkdwn(notice.sentBy);
  const text = `[TEST] vigie test message to ${destination}: not a failure, nothing to do (sent by ${sentBy} at ${when})`;
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: "[TEST] vigie test message", emoji: false } },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `Not a failure, nothing to do. If you can read this, vigie's destination *${destination}* works.`,
        },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `Sent by \`${escapeMrkdwn(notice.sentBy)}\` at ${when}` }],
      },
    ],
    unfurl_links: false,
    unfurl_media: false,
  };
};
