/**
 * @slack/webhook, reached through this ES module. The package is CommonJS: imported with `import()` from a
 * code-split bundle, esbuild would hand back a chunk whose only export is `default`, and
 * `IncomingWebhook` would be undefined (scripts/build-functions.ts splits each function's lazy code into
 * chunks). A static import here keeps CommonJS interop, and this module is what send.ts imports lazily.
 */
import * as slackWebhook from "@slack/webhook";

export const slackWebhookPackage: typeof slackWebhook = slackWebhook;
