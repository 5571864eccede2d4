/**
 * @slack/web-api, reached through this ES module for the reason given in webhook-package.ts (a CommonJS
 * package imported with `import()` from a code-split bundle loses its named exports).
 */
import * as slackWebApi from "@slack/web-api";

export const slackWebApiPackage: typeof slackWebApi = slackWebApi;
