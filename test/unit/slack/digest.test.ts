import { describe, expect, it } from "vitest";
import { githubEvent, netlifyEvent } from "../../../samples/events.ts";
import {
  DIGEST_MAX_CHARS,
  DIGEST_SITES_PER_MESSAGE,
  digestChunks,
  formatDigest,
  validateMessage,
} from "../../../src/slack/format.ts";

/** A theme update: GitHub sites failing in two workflows, Netlify sites with their own error. */
const storm = (sites: number) =>
  Array.from({ length: sites }, (_, index) => {
    const name = `site-${String(index).padStart(3, "0")}`;
    if (index % 3 === 0) return { event: netlifyEvent({ site: name, deployId: `d${index}` }) };
    const workflow = index % 3 === 1 ? "Build and deploy" : "Check links";
    return {
      event: githubEvent({ site: `acme/${name}`, repository: `acme/${name}`, workflow, runId: index }),
    };
  });

describe("digestChunks", () => {
  it(`splits a storm in parts of ${DIGEST_SITES_PER_MESSAGE} sites, naming every site once`, () => {
    const items = storm(2 * DIGEST_SITES_PER_MESSAGE + 5);
    const chunks = digestChunks(items);
    expect(chunks.map((chunk) => chunk.length)).toEqual([
      DIGEST_SITES_PER_MESSAGE,
      DIGEST_SITES_PER_MESSAGE,
      5,
    ]);
    expect(new Set(chunks.flat())).toEqual(new Set(items));
  });

  it("keeps a workflow's sites together, in order of workflow, error and site", () => {
    const chunks = digestChunks(storm(30));
    const pipelines = chunks.flat().map(({ event }) => event.workflow);
    expect(pipelines).toEqual([...pipelines].sort());
    const sites = chunks.flat().filter(({ event }) => event.workflow === "Check links");
    expect(sites.map(({ event }) => event.site)).toEqual(sites.map(({ event }) => event.site).sort());
  });

  it("keeps the items it is given (the sweep's stored items, not copies)", () => {
    const items = storm(3).map((item, index) => ({ ...item, key: `digest/${index}` }));
    expect(
      digestChunks(items)
        .flat()
        .map(({ key }) => key)
        .sort(),
    ).toEqual(["digest/0", "digest/1", "digest/2"]);
  });

  it(`each part fits in ${DIGEST_MAX_CHARS} characters of blocks and names all its sites`, () => {
    const chunks = digestChunks(storm(3 * DIGEST_SITES_PER_MESSAGE));
    for (const [index, chunk] of chunks.entries()) {
      const message = formatDigest(chunk, "failure", {
        maxChars: DIGEST_MAX_CHARS,
        part: { index, count: chunks.length, totalSites: 3 * DIGEST_SITES_PER_MESSAGE },
      });
      expect(validateMessage(message)).toEqual([]);
      expect(JSON.stringify(message.blocks)).not.toContain("…and");
      for (const { event } of chunk) expect(JSON.stringify(message.blocks)).toContain(event.site);
    }
  });
});

describe("formatDigest's sections", () => {
  it("a group that fits in one section starts the next one rather than being split over two", () => {
    const deploy = (site: string, detail: string) => ({
      event: netlifyEvent({ site, deployId: `${site}-0123456789abcdef`, detail }),
    });
    // The first group fills most of a section (≈ 90 characters a link); the second fits in one.
    const big = Array.from({ length: 29 }, (_, i) => deploy(`acme-big-${i}`, "Build script exit code 2"));
    const small = ["acme-a", "acme-b", "acme-c"].map((site) => deploy(site, "exit code 137"));
    const message = formatDigest([...big, ...small], "failure", { maxChars: DIGEST_MAX_CHARS });
    expect(validateMessage(message)).toEqual([]);
    const texts = message.blocks.flatMap((block) =>
      block.type === "section" && block.text ? [block.text.text] : [],
    );
    expect(texts.join("\n")).not.toContain("(continued)");
    const smallSection = texts.find((text) => text.includes("exit code 137"));
    for (const site of ["acme-a", "acme-b", "acme-c"]) expect(smallSection).toContain(`|${site}>`);
  });
});
