/** `npm run simulate`: a day of realistic traffic through the pipeline, and the Slack messages it produces. */
import { kindOf, simulateDay } from "../samples/day.ts";

const day = await simulateDay();
console.log(`${day.deliveries} completed runs and deploys → ${day.messages.length} Slack messages`);
console.log(`answers: ${JSON.stringify(day.byStatus)}`);
const kinds: Record<string, number> = {};
for (const message of day.messages) kinds[kindOf(message)] = (kinds[kindOf(message)] ?? 0) + 1;
console.log(`messages by kind: ${JSON.stringify(kinds)}\n`);
for (const message of day.messages) console.log(`${message.at.slice(11, 19)}  ${message.header}`);
