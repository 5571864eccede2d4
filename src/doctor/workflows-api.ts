import { array, boolean, literal, object, optional, string } from "zod/mini";
import { VigieError } from "../errors.ts";

/**
 * The three GitHub REST calls `doctor --workflows` needs, with GITHUB_TOKEN at GITHUB_API_URL: the
 * organisation's repositories (https://docs.github.com/rest/repos/repos#list-organization-repositories),
 * the files of a repository's `.github/workflows` and one file's content
 * (https://docs.github.com/rest/repos/contents#get-repository-content, base64, files up to 1 MB). Every
 * answer is parsed; the token goes to that API only (no redirect is followed).
 */
export interface WorkflowsApi {
  listRepos(org: string): Promise<Array<{ fullName: string; archived: boolean }>>;
  /** Workflow files (`.yml`, `.yaml`); none when the repository has no `.github/workflows`. */
  listWorkflowFiles(repo: string): Promise<string[]>;
  readFile(repo: string, path: string): Promise<string>;
}

export class GithubApiError extends VigieError {
  readonly code = "api_answered";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const PER_PAGE = 100;
/** 2,000 repositories: beyond that the listing is cut (and says so through the count). */
const MAX_PAGES = 20;

const repoSchema = array(object({ full_name: string(), archived: optional(boolean()) }));
const dirSchema = array(object({ type: string(), path: string(), name: string() }));
const fileSchema = object({ type: literal("file"), encoding: literal("base64"), content: string() });

export const workflowsApi = (
  settings: { readonly token: string; readonly apiUrl: string },
  fetcher: typeof fetch = fetch,
): WorkflowsApi => {
  const base = settings.apiUrl.replace(/\/+$/, "");
  const get = async (path: string): Promise<unknown> => {
    const response = await fetcher(`${base}${path}`, {
      redirect: "error",
      headers: {
        authorization: `Bearer ${settings.token}`,
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
      },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      let message = "";
      try {
        const body: unknown = JSON.parse(text);
        if (typeof body === "object" && body !== null && "message" in body) message = String(body.message);
      } catch {}
      throw new GithubApiError(response.status, message.slice(0, 200) || response.statusText);
    }
    return response.json();
  };
  const path = (repo: string) => repo.split("/").map(encodeURIComponent).join("/");
  return {
    async listRepos(org) {
      const repos: Array<{ fullName: string; archived: boolean }> = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const parsed = repoSchema.safeParse(
          await get(`/orgs/${encodeURIComponent(org)}/repos?per_page=${PER_PAGE}&page=${page}`),
        );
        if (!parsed.success) throw new GithubApiError(200, "the repository list is not what GitHub sends");
        repos.push(...parsed.data.map((r) => ({ fullName: r.full_name, archived: r.archived === true })));
        if (parsed.data.length < PER_PAGE) break;
      }
      return repos;
    },
    async listWorkflowFiles(repo) {
      let body: unknown;
      try {
        body = await get(`/repos/${path(repo)}/contents/.github/workflows`);
      } catch (error) {
        if (error instanceof GithubApiError && error.status === 404) return [];
        throw error;
      }
      const parsed = dirSchema.safeParse(body);
      if (!parsed.success) return [];
      return parsed.data
        .filter((entry) => entry.type === "file" && /\.ya?ml$/i.test(entry.name))
        .map((entry) => entry.path);
    },
    async readFile(repo, file) {
      const parsed = fileSchema.safeParse(await get(`/repos/${path(repo)}/contents/${path(file)}`));
      if (!parsed.success) throw new GithubApiError(200, `${file} is not a file GitHub can give as base64`);
      return Buffer.from(parsed.data.content, "base64").toString("utf8");
    },
  };
};
