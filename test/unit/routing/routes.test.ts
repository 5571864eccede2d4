import { describe, expect, it } from "vitest";
import { matchRoute, parseRoutes, RouteError, type RouteInput } from "../../../src/routing/routes.ts";

const known = { names: new Set(["THEMES", "OPS"]), channels: true };
const run = (site: string, extra: Partial<RouteInput> = {}): RouteInput => ({
  site,
  branch: "main",
  source: "github",
  workflow: "Deploy",
  ...extra,
});

describe("parseRoutes", () => {
  it("reads rules separated by ; or newlines, with several conditions and destinations", () => {
    const rules = parseRoutes(
      "site:acme/theme-* branch:main -> themes, OPS\nsource:netlify -> #C0123ABCD;  branch:deploy-preview/** -> none ;* -> default",
      known,
    );
    expect(rules.map((r) => [r.number, r.destinations])).toEqual([
      [1, ["THEMES", "OPS"]],
      [2, ["#C0123ABCD"]],
      [3, []],
      [4, ["default"]],
    ]);
    expect(rules[0]?.conditions.map((c) => `${c.field}:${c.glob}`)).toEqual([
      "site:acme/theme-*",
      "branch:main",
    ]);
    expect(rules[3]?.conditions).toEqual([]);
  });

  it("reads nothing from an unset or blank ROUTES", () => {
    expect(parseRoutes(undefined, known)).toEqual([]);
    expect(parseRoutes(" ;\n ", known)).toEqual([]);
  });

  it.each([
    ["site:a THEMES", 'expected "field:glob [field:glob…] -> DESTINATION[,DESTINATION…]"'],
    ["site:a -> OPS -> THEMES", 'more than one "->"'],
    ["-> OPS", 'nothing to match before "->" (write * to match every run)'],
    ["repo:a -> OPS", 'unknown field "repo" (fields: site, branch, source, workflow)'],
    ["site -> OPS", '"site" is not field:glob'],
    ["site: -> OPS", '"site:" has an empty pattern'],
    ["source:gihub -> OPS", 'unknown source "gihub" (sources: github, netlify, gitlab)'],
    ["site:a site:b -> OPS", 'field "site" appears twice'],
    ["site:a ->", 'no destination after "->"'],
    ["site:a -> none, OPS", '"none" mutes a route: it cannot be combined with other destinations'],
    [
      "site:a -> DESIGN",
      'unknown destination "DESIGN": set SLACK_WEBHOOK_URL_DESIGN, or use default, none or a #channel id',
    ],
    ["site:a -> #general", '"#general" is not a Slack channel id'],
    ["site:a -> my-team", '"MY-TEAM" is not a destination name'],
  ])("%s is an error naming the rule", (text, message) => {
    const parse = () => parseRoutes(`site:ok -> OPS; ${text}`, known);
    expect(parse).toThrow(RouteError);
    expect(parse).toThrow(`rule 2 (${JSON.stringify(text)}): ${message}`);
  });

  it("refuses channel ids without SLACK_BOT_TOKEN", () => {
    expect(() => parseRoutes("site:a -> #C0123ABCD", { names: new Set(), channels: false })).toThrow(
      'rule 1 ("site:a -> #C0123ABCD"): "#C0123ABCD" is a channel id: it needs SLACK_BOT_TOKEN',
    );
  });
});

describe("matchRoute", () => {
  const rules = parseRoutes(
    [
      "site:acme/theme-* -> THEMES, OPS",
      "branch:deploy-preview/** -> none",
      "source:netlify workflow:Netlify* -> OPS",
      "site:ACME/** branch:release/* -> #C0123ABCD",
    ].join("\n"),
    known,
  );

  it.each([
    ["acme/theme-blue", {}, ["THEMES", "OPS"], 1],
    ["Acme/Theme-Red", {}, ["THEMES", "OPS"], 1],
    ["acme/theme-blue/extra", { branch: "x" }, ["default"], null],
    ["acme/shop", { branch: "deploy-preview/42" }, [], 2],
    ["acme/theme-blue", { branch: "deploy-preview/42" }, ["THEMES", "OPS"], 1],
    ["shop", { source: "netlify", workflow: "Netlify build" }, ["OPS"], 3],
    ["shop", { source: "gitlab", workflow: "Netlify build" }, ["default"], null],
    ["acme/a/b", { branch: "release/1.2" }, ["#C0123ABCD"], 4],
    ["acme/a/b", { branch: "release/1.2/hotfix" }, ["default"], null],
    ["other/site", {}, ["default"], null],
  ] as const)("%s %j -> %j (rule %s)", (site, extra, destinations, rule) => {
    const matched = matchRoute(rules, run(site, extra));
    expect(matched.destinations).toEqual(destinations);
    expect(matched.rule?.number ?? null).toBe(rule);
  });

  it("a branch condition never matches a run without a branch (a tag)", () => {
    const tagRules = parseRoutes("branch:* -> OPS", known);
    expect(matchRoute(tagRules, run("a", { branch: null })).destinations).toEqual(["default"]);
    expect(matchRoute(tagRules, run("a", { branch: "main" })).destinations).toEqual(["OPS"]);
  });
});
