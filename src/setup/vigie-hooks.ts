/**
 * Which hooks are vigie's (docs/architecture.md, "Trust boundaries"): a hook is vigie's only when
 * its URL is exactly the target URL of `setup` (`--url`) or another of vigie's own URLs (VIGIE_URL's).
 * Another tool's hook, or a staging vigie's, at the same path on another host is not: `setup` reports it
 * and never modifies or deletes it, and `doctor` does not judge it.
 */

/** A hook that looks like vigie's (same route path) but is at another URL. */
export interface ForeignHook<Id = number> {
  readonly id: Id;
  readonly url: string;
}

const pathOf = (url: string | undefined): string | null => {
  if (url === undefined) return null;
  try {
    return new URL(url).pathname;
  } catch {
    return null;
  }
};

export const vigieHooks = (target: string, ours: readonly string[] = []) => {
  const urls = new Set([target, ...ours]);
  const routePath = pathOf(target);
  return {
    /** The hook at this URL is vigie's. */
    isOurs: (url: string | undefined): boolean => url !== undefined && urls.has(url),
    /** At vigie's route path but not one of vigie's URLs: someone else's, to report. */
    looksLikeOurs: (url: string | undefined): boolean =>
      url !== undefined && !urls.has(url) && routePath !== null && pathOf(url) === routePath,
  };
};
