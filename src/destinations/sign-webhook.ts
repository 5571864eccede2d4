import { Webhook } from "standardwebhooks";

/**
 * The Standard Webhooks signature (`v1,<base64>`) of one message, by the `standardwebhooks` package, which
 * decodes the `whsec_…` secret. Apart, and imported statically, so that json-kind.ts loads it (and the
 * package) at the first JSON send only, as src/sources/gitlab/ loads its verifier.
 */
export const signWebhook = (secret: string, id: string, at: Date, body: string): string =>
  new Webhook(secret).sign(id, at, body);
