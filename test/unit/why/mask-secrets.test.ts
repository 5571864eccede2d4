import { describe, expect, it } from "vitest";
import { maskSecrets } from "../../../src/why/mask-secrets.ts";

describe("maskSecrets", () => {
  it.each([
    ["a classic GitHub token", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 used", "token *** used"],
    ["a GitHub app token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a", "***"],
    ["a fine-grained GitHub token", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "***"],
    ["a GitLab personal token", "export GL=glpat-AbCdEfGhIjKlMnOpQrSt", "export GL=***"],
    ["a GitLab runner token", "glrt-t3_AbCdEfGhIjKlMnOpQrSt", "***"],
    ["a Slack bot token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "***"],
    ["a Slack user token", "xoxp-1234-5678-abcdefgh", "***"],
    ["a Slack webhook", "POST https://hooks.slack.com/services/T000/B000/XXXXXXXX", "POST https://***"],
    ["an AWS access key id", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY_ID=***"],
    [
      "an AWS secret key",
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      "aws_secret_access_key = ***",
    ],
    [
      "user:password in a URL",
      "git clone https://deploy:hunter2@git.example/x.git",
      "git clone https://***@git.example/x.git",
    ],
    ["a token as a URL's user", "https://x0aB9cD8eF7gH6iJ5kL4mN3oP2@host/repo", "https://***@host/repo"],
    ["an Authorization header", "> Authorization: Bearer abc.def.ghi", "> Authorization: ***"],
    ["a PRIVATE-TOKEN header", "PRIVATE-TOKEN: my-private-value", "PRIVATE-TOKEN: ***"],
    ["a password pair", 'password="correct horse"', 'password="***"'],
    [
      "an npm token",
      "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789",
      "//registry.npmjs.org/:_authToken=***",
    ],
    [
      "a JWT",
      "id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "id ***",
    ],
    ["a PEM key", "-----BEGIN RSA PRIVATE KEY----- MIIEpAIBAAKCAQEA", "***"],
    ["a random-looking string", "key Zx9Qm2Lp7Vt4Rk8Wn3Yb6Hc1Jd5Fg0SeA1", "key ***"],
  ])("masks %s", (_name, line, masked) => {
    expect(maskSecrets(line)).toBe(masked);
  });

  it.each([
    ["a commit sha", "HEAD is now at 3f1c2a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a fix"],
    ["a version with a build hash", "hugo v0.139.3-2f6864387cd31b975914e8373d4bf38bddbd47bc+extended"],
    ["a path", "/home/runner/work/site-a/site-a/themes/docsy/layouts/_default/baseof.html:12:7"],
    ["an identifier", "TemplateContentRenderError: Having trouble rendering njk template"],
    ["GitHub's own mask", "  token: ***"],
    ["a URL without credentials", "GET https://registry.npmjs.org/@acme%2ftheme-utils - Not found"],
    ["a UUID", "upload id 7f9c2e4a-1b3d-4c5e-8f7a-9b0c1d2e3f4a"],
  ])("leaves %s readable", (_name, line) => {
    expect(maskSecrets(line)).toBe(line);
  });
});
