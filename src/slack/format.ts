/**
 * Slack messages, as pure functions of events: one import for the formatters and their checker.
 * blocks.ts (limits and building blocks), run-messages.ts (failure, recovery, reminder), digest.ts (storm
 * digests and their split), validate.ts (what Slack would refuse).
 */
export {
  FIELD_MAX,
  formatDuration,
  HEADER_MAX,
  MAX_BLOCKS,
  SECTION_TEXT_MAX,
} from "./blocks.ts";
export {
  DIGEST_MAX_CHARS,
  DIGEST_SITES_PER_MESSAGE,
  type DigestLine,
  type DigestOptions,
  digestChunks,
  formatDigest,
} from "./digest.ts";
export {
  type FailureOptions,
  formatExcerptReply,
  formatFailure,
  formatRecovery,
  formatReminder,
  formatResolved,
  type RecoveryEpisode,
  type ReminderEpisode,
} from "./run-messages.ts";
export { validateMessage } from "./validate.ts";
