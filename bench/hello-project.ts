import { cp, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../test/integration/harness.ts";

/**
 * The functions as the integration harness copies them, plus `bench-hello.mts` at `/bench/hello`: the same
 * `netlify functions:serve` process serves both, so the hello-world function measures the runtime's own
 * cost at the same moment. `readBody`: the hello-world reads the request body too (a fairer reference for
 * deliveries of the same size).
 */
export const projectWithHello = async (options: { readBody: boolean }): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), "vigie-bench-"));
  for (const name of ["netlify", "src", "netlify.toml", "package.json", "tsconfig.json"]) {
    await cp(join(REPO_ROOT, name), join(dir, name), { recursive: true });
  }
  await symlink(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  const hello = options.readBody
    ? "export default async (req: Request): Promise<Response> => {\n" +
      "  await req.text();\n" +
      '  return new Response("{}", { headers: { "content-type": "application/json" } });\n' +
      "};\n"
    : 'export default async () => new Response(\'{"status":"ignored"}\', { headers: { "content-type": "application/json" } });\n';
  await writeFile(
    join(dir, "netlify", "functions", "bench-hello.mts"),
    `${hello}export const config = { path: "/bench/hello" };\n`,
  );
  return dir;
};
