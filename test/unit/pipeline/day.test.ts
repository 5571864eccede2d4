import { beforeAll, describe, expect, it } from "vitest";
import { type DayReport, kindOf, simulateDay } from "../../../samples/day.ts";

/** A day of realistic traffic (samples/day.ts) produces the messages a person would want. */
describe("a day of traffic", () => {
  let day: DayReport;
  beforeAll(async () => {
    day = await simulateDay();
  }, 120_000);

  const named = (site: string) => day.messages.some((message) => message.text.includes(site));

  it("turns well over a thousand deliveries into a few dozen messages", () => {
    expect(day.deliveries).toBeGreaterThan(1_000);
    expect(day.messages.length).toBeLessThan(day.deliveries / 10);
  });

  it("names every site that really failed", () => {
    expect(day.brokenSites.size).toBeGreaterThan(day.stormSites.size);
    for (const site of day.brokenSites) expect(named(site), site).toBe(true);
  });

  it("never names a site whose runs were only cancelled, skipped or green", () => {
    expect(day.quietSites.size).toBeGreaterThan(10);
    const noisy = [...day.quietSites].filter(named);
    expect(noisy).toEqual([]);
  });

  it("handles the theme storm in a handful of messages, every broken site named", () => {
    const digests = day.messages.filter((message) => kindOf(message) === "digest");
    const failureDigests = digests.filter((message) => message.header.includes("failed"));
    const recoveryDigests = digests.filter((message) => message.header.includes("recovered"));
    expect(failureDigests.length).toBeGreaterThanOrEqual(1);
    expect(failureDigests.length).toBeLessThanOrEqual(2);
    expect(recoveryDigests.length).toBeGreaterThanOrEqual(1);
    expect(recoveryDigests.length).toBeLessThanOrEqual(2);
    // A storm site may also break on its own later in the day: count the storm's hour only.
    const during = (m: { at: string }) => m.at >= "2026-11-27T13:55" && m.at <= "2026-11-27T14:50";
    const stormMessages = day.messages.filter(
      (m) => during(m) && [...day.stormSites].some((site) => m.text.includes(site)),
    );
    // 60 failures and 60 recoveries: ≤ 5 alone each way plus the digests.
    expect(stormMessages.length).toBeLessThanOrEqual(14);
  });

  it("reminds about the site broken all afternoon, without repeating its failure", () => {
    const about = day.messages.filter((message) => message.text.includes(day.stuckSite));
    expect(about.filter((m) => kindOf(m) === "failure")).toHaveLength(1);
    expect(about.filter((m) => kindOf(m) === "reminder").length).toBeGreaterThanOrEqual(1);
    expect(about.some((m) => kindOf(m) === "recovery")).toBe(false);
  });

  it("for each site, failures and recoveries alternate, starting with a failure", () => {
    /** Sites with a failure and its recovery at least: the alternation was really checked for them. */
    let checked = 0;
    for (const site of day.brokenSites) {
      if (day.stormSites.has(site)) continue;
      const kinds = day.messages
        .filter(
          (m) => m.text.includes(`${site}"`) || m.text.includes(`${site}|`) || m.text.includes(`${site}>`),
        )
        .map(kindOf)
        .filter((kind) => kind === "failure" || kind === "recovery");
      for (let i = 1; i < kinds.length; i++) expect(kinds[i], site).not.toBe(kinds[i - 1]);
      if (kinds.length > 0) expect(kinds[0]).toBe("failure");
      if (kinds.length >= 2) checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it("keeps every message within Slack's limits", () => {
    expect(day.messages.length).toBeGreaterThan(10);
    for (const message of day.messages) expect(message.problems, message.header).toEqual([]);
  });
});
