/**
 * `vigieTest`: the integration files' `test`, with vigie running through Netlify's local runtime and a
 * local Slack stand-in as fixtures (vitest's `test.extend`). Both are file-scoped: started at the first
 * test of a file that asks for them (the runtime takes seconds to boot) and stopped after its last test.
 * A file changes what it needs with `vigieTest.override(...)`: `env`, variables over testEnv's defaults
 * (`undefined` removes one), and `slackOptions`.
 */
import { test } from "vitest";
import { startGithubApi } from "../fixtures/github-api.ts";
import {
  type SlackStandIn,
  type SlackStandInOptions,
  startSlackStandIn,
  startVigie,
  type Vigie,
} from "./harness.ts";
import { testEnv } from "./support.ts";

export type Env = Record<string, string | undefined>;

/** Starts vigie with `env(slack)`; stopped, and its directory removed, after the file's last test. */
export const vigieWith =
  (env: (slack: SlackStandIn) => Env) =>
  async (
    { slack }: { slack: SlackStandIn },
    { onCleanup }: { onCleanup: (cleanup: () => Promise<void>) => void },
  ) => {
    const vigie: Vigie = await startVigie({ env: env(slack) });
    onCleanup(() => vigie.dispose());
    return vigie;
  };

export const vigieTest = test
  .extend("env", { scope: "file" }, {} as Env)
  .extend("slackOptions", { scope: "file" }, {} as SlackStandInOptions)
  .extend("slack", { scope: "file" }, async ({ slackOptions }, { onCleanup }) => {
    const slack = await startSlackStandIn(slackOptions);
    onCleanup(() => slack.close());
    return slack;
  })
  .extend("vigie", { scope: "file" }, async ({ slack, env }, fixture) =>
    vigieWith((stand) => testEnv(stand, env))({ slack }, fixture),
  );

/** `vigieTest` with `api`, a local stand-in for the GitHub API (and its log host), for the file. */
export const githubApiTest = vigieTest.extend(
  "api",
  { scope: "file" },
  async ({ env: _env }, { onCleanup }) => {
    const api = await startGithubApi();
    onCleanup(() => api.close());
    return api;
  },
);
