import type { SilenceRequest } from "./silence-spec.ts";

/**
 * `npm run silence -- …` arguments (pure):
 *   add site:GLOB [branch:GLOB] [source:NAME] (--for 4h | --until-green) [--reason TEXT]
 *   list
 *   remove ID
 * each with `--url BASE` to act on a deployed vigie (through `/status/silences`, VIGIE_STATUS_TOKEN), or
 * `--dir DIR` for another local store than `.netlify/blobs-serve`.
 */
export type SilenceCommand =
  | { readonly command: "add"; readonly request: SilenceRequest }
  | { readonly command: "list" }
  | { readonly command: "remove"; readonly id: string };

export interface SilenceArgs {
  readonly run: SilenceCommand;
  readonly url: string | null;
  readonly dir: string | null;
}

export const SILENCE_USAGE = [
  "usage: npm run silence -- add site:GLOB [branch:GLOB] [source:NAME] (--for 4h | --until-green) [--reason TEXT]",
  "       npm run silence -- list",
  "       npm run silence -- remove ID",
  "       (any of them with --url https://<your vigie> and VIGIE_STATUS_TOKEN for a deployed vigie)",
].join("\n");

export const parseSilenceArgs = (argv: readonly string[]): SilenceArgs | string => {
  const rest: string[] = [];
  const options: Record<string, string> = {};
  let untilGreen = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--until-green") {
      untilGreen = true;
      continue;
    }
    if (["--for", "--reason", "--url", "--dir"].includes(arg)) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) return `${arg} needs a value`;
      options[arg.slice(2)] = value;
      i++;
      continue;
    }
    if (arg.startsWith("--")) return `unknown option ${arg}`;
    rest.push(arg);
  }
  const [command, ...words] = rest;
  const common = { url: options.url ?? null, dir: options.dir ?? null };
  switch (command) {
    case "add":
      return {
        ...common,
        run: {
          command: "add",
          request: {
            conditions: words,
            ...(options.for === undefined ? {} : { for: options.for }),
            untilGreen,
            ...(options.reason === undefined ? {} : { reason: options.reason }),
          },
        },
      };
    case "list":
      return words.length === 0 ? { ...common, run: { command: "list" } } : "list takes no argument";
    case "remove":
      return words.length === 1
        ? { ...common, run: { command: "remove", id: words[0] ?? "" } }
        : "remove takes one silence id (npm run silence -- list shows them)";
    default:
      return command === undefined ? "no command" : `unknown command ${command}`;
  }
};
