import { createHash } from "node:crypto";

/**
 * The signature of a failure: its key error line with everything that differs from one site to the next
 * replaced by a placeholder, hashed. The same template error on 58 sites gives one signature; two different
 * errors give two (docs/architecture.md, "Why it failed"). Replaced, in this order:
 * - URLs → `<url>` (hosts, tokens in queries and deploy ids all vary);
 * - paths below a workspace → `<ws>/`: GitHub's `/home/runner/work/<repo>/<repo>/`, GitLab's
 *   `/builds/<group>/<project>/` (known from the site's path), Netlify's `/opt/build/repo/`, Windows' `D:\a\<repo>\<repo>\`, and any
 *   `/tmp/…` or `/var/folders/…` scratch directory;
 * - quoted absolute paths (`"/posts/hello"`, a page of this site) → `"<path>"`; relative ones (a theme's
 *   `"partials/header"`) are what the error is about and stay;
 * - the site's own name (the repository `org/site`, its last part, the Netlify site name) → `<site>`;
 * - UUIDs, hex hashes of 7+ digits, ISO times → `<id>`, `<hash>`, `<time>`; durations (`12.3s`, `450 ms`,
 *   `2m3s`) → `<duration>`; sizes (`12.5 MB`) → `<size>`; remaining numbers → `<n>`.
 * Case and whitespace runs are folded. The hash is 16 hex digits of SHA-256 (short enough to read in JSON).
 */

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const WORKSPACES: readonly RegExp[] = [
  /(?:\/home\/runner\/work|\/Users\/runner\/work|\/github\/workspace)(?:\/[^/\s"':]+){0,2}\/?/g,
  /[A-Za-z]:\\a(?:\\[^\\\s"':]+){0,2}\\?/g,
  /\/opt\/build\/repo\/?/g,
  /\/(?:tmp|var\/folders|private\/var\/folders)(?:\/[^/\s"':]+)+\/?/g,
];

/** The key line in the form that is hashed; exported so tests (and curious readers) can see it. */
export const normaliseErrorLine = (line: string, site: string | null = null): string => {
  let text = line.replace(/\b[a-z][a-z0-9+.-]{0,20}:\/\/[^\s"'<>()]+/gi, "<url>");
  const named = site !== null && site.trim() !== "";
  if (named) {
    // GitLab's builds directory is `/builds/<project path>/`, or `/builds/<runner>/<n>/<project path>/`.
    const project = escapeRegExp(site);
    text = text.replace(
      new RegExp(`/builds/(?:[A-Za-z0-9_-]{1,40}/\\d+/)?${project}(?:/|\\b)`, "gi"),
      "<ws>/",
    );
  }
  for (const workspace of WORKSPACES) text = text.replace(workspace, "<ws>/");
  if (named) {
    const names = new Set([site, site.split("/").pop() ?? ""].filter((name) => name.length >= 2));
    for (const name of [...names].sort((a, b) => b.length - a.length)) {
      const alone = new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(name)}(?![A-Za-z0-9])`, "gi");
      text = text.replace(alone, "<site>");
    }
  }
  return text
    .replace(/(["'])\/[^"'\s]*\1/g, "$1<path>$1")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<id>")
    .replace(/\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?/g, "<time>")
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi, "<hash>")
    .replace(
      /\b\d+(?:\.\d+)?\s?(?:ms|µs|ns|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)\b(?:\s?\d+(?:\.\d+)?\s?(?:ms|s|m))*/gi,
      "<duration>",
    )
    .replace(/\b\d+(?:\.\d+)?\s?(?:[KMGT]i?B|bytes?|[kmg]b)\b/gi, "<size>")
    .replace(/\d+/g, "<n>")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
};

/** The signature of a key error line (16 hex digits), or null for an empty line. */
export const errorSignature = (
  line: string | null | undefined,
  site: string | null = null,
): string | null => {
  const normalised = line ? normaliseErrorLine(line, site) : "";
  if (normalised === "") return null;
  return createHash("sha256").update(normalised).digest("hex").slice(0, 16);
};
