import type { infer as Infer } from "zod/mini";
import { compileGlob } from "../text/glob.ts";
import type { netlifyHookSchema, netlifySiteSchema } from "./api-answers.ts";
import { type ForeignHook, vigieHooks } from "./vigie-hooks.ts";

/**
 * The two outgoing webhooks each Netlify site needs, and what to do to get there: pure, from the listing
 * of `GET /hooks?site_id=…` (https://open-api.netlify.com/#tag/hook). A hook of type `url` posts the deploy
 * to `data.url`, signed with `data.signature_secret` as a JWS ("JWS secret token" in the UI,
 * https://docs.netlify.com/site-deploys/notifications/#payload-signature). `deploy_failed` is "Deploy
 * failed", `deploy_created` is "Deploy succeeded" (which closes episodes).
 */
export type NetlifyHook = Infer<typeof netlifyHookSchema>;

export type NetlifySite = Infer<typeof netlifySiteSchema>;

export const NETLIFY_EVENTS = ["deploy_failed", "deploy_created"] as const;
export type NetlifyEvent = (typeof NETLIFY_EVENTS)[number];

export type NetlifyAction =
  | { readonly kind: "create"; readonly event: NetlifyEvent }
  | {
      readonly kind: "update";
      readonly event: NetlifyEvent;
      readonly hookId: string;
      readonly changes: readonly string[];
    }
  | { readonly kind: "enable"; readonly event: NetlifyEvent; readonly hookId: string };

export interface NetlifySitePlan {
  readonly site: NetlifySite;
  readonly actions: readonly NetlifyAction[];
  /** Hooks already right, by event. */
  readonly ok: readonly NetlifyEvent[];
  /** More than one of vigie's hooks for an event: one is kept, the others reported (never deleted). */
  readonly duplicates: readonly string[];
  /** Hooks at vigie's path but another URL (another tool, a staging vigie): reported, never changed. */
  readonly foreign: ReadonlyArray<ForeignHook<string>>;
}

/**
 * A site's hooks against what vigie wants. A hook is vigie's only when its URL is exactly `want.url`, or
 * another of vigie's own URLs (`want.ours`: VIGIE_URL's, when the deploy moved; such a hook is moved to
 * `want.url`). Any other hook is never changed, whatever its path.
 */
export const planNetlifySite = (
  site: NetlifySite,
  hooks: readonly NetlifyHook[],
  want: { readonly url: string; readonly secret: string; readonly ours?: readonly string[] },
): NetlifySitePlan => {
  const actions: NetlifyAction[] = [];
  const ok: NetlifyEvent[] = [];
  const duplicates: string[] = [];
  const owner = vigieHooks(want.url, want.ours ?? []);
  const isVigieHook = (hook: NetlifyHook): boolean => hook.type === "url" && owner.isOurs(hook.data.url);
  const foreign = hooks
    .filter((hook) => !isVigieHook(hook) && owner.looksLikeOurs(hook.data.url))
    .map((hook) => ({ id: hook.id, url: hook.data.url ?? "" }));
  for (const event of NETLIFY_EVENTS) {
    const candidates = hooks
      .filter((hook) => hook.event === event && isVigieHook(hook))
      // The one at the right URL first, then an enabled one.
      .sort(
        (a, b) =>
          Number(b.data.url === want.url) - Number(a.data.url === want.url) ||
          Number(a.disabled ?? false) - Number(b.disabled ?? false),
      );
    const [hook, ...others] = candidates;
    duplicates.push(...others.map((other) => other.id));
    if (!hook) {
      actions.push({ kind: "create", event });
      continue;
    }
    const changes: string[] = [];
    if (hook.data.url !== want.url) changes.push(`URL is ${hook.data.url}`);
    // Netlify may leave the secret out of a listing; when it is there, it must be ours.
    if (hook.data.signature_secret !== undefined && hook.data.signature_secret !== want.secret) {
      changes.push("signed with another secret");
    }
    if (changes.length > 0) actions.push({ kind: "update", event, hookId: hook.id, changes });
    if (hook.disabled) actions.push({ kind: "enable", event, hookId: hook.id });
    if (changes.length === 0 && !hook.disabled) ok.push(event);
  }
  return { site, actions, ok, duplicates, foreign };
};

/** The body of a create or an update. */
export const netlifyHookBody = (
  siteId: string,
  event: NetlifyEvent,
  want: { readonly url: string; readonly secret: string },
) => ({
  site_id: siteId,
  type: "url",
  event,
  data: { url: want.url, signature_secret: want.secret },
});

/**
 * Site names matched by `--sites`: `*` matches any run of characters, `?` one; no glob means every site.
 * In linear time (src/text/glob.ts): a site name has no `/`, so `*` and `**` agree.
 */
export const siteMatcher = (glob: string | undefined): ((name: string) => boolean) => {
  if (glob === undefined || glob === "") return () => true;
  const matcher = compileGlob(glob);
  return (name) => matcher.test(name);
};
