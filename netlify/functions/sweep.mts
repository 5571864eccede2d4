import type { Config } from "@netlify/functions";
import { runSweep } from "../../src/run-sweep.ts";

/** Retries the outbox, flushes storm digests, sends reminders. Locally: POST /.netlify/functions/sweep. */
export default async (): Promise<Response> => runSweep();

// Every minute (https://docs.netlify.com/build/functions/scheduled-functions/).
export const config: Config = { schedule: "* * * * *" };
