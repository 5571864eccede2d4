import type { Env } from "../config/parse.ts";
import { parseVariable } from "../config/parse.ts";
import type { VariableName } from "../config/variables.ts";
import { describeApiFailure, hostOf } from "../setup/api-failure.ts";

export interface ApiProblem {
  readonly text: string;
  readonly fix: string;
}

/**
 * A failed call of a doctor's check, said once ("GitLab answered 401 to …", "cannot reach gitlab.example:
 * no such host (DNS)"), with the fix that matches what happened: the token's variable only when the token
 * was refused, the API's URL and the network when nothing answered.
 */
export const apiProblem = (
  error: unknown,
  env: Env,
  provider: {
    readonly name: string;
    readonly api: VariableName;
    readonly token: VariableName;
    /** What the token needs, when it was refused. */
    readonly tokenFix: string;
  },
): ApiProblem => {
  const apiUrl = String(parseVariable(env, provider.api).value ?? "");
  const failure = describeApiFailure(error, provider.name, hostOf(apiUrl));
  switch (failure.kind) {
    case "refused_token":
      return { text: failure.text, fix: provider.tokenFix };
    case "unreachable":
    case "timeout":
      return {
        text: failure.text,
        fix: `check ${provider.api} (${apiUrl}) and the network, then run the doctor again`,
      };
    case "cross_origin":
      return {
        text: failure.text,
        fix: `check ${provider.api}: ${provider.token} is never sent to another host`,
      };
    default:
      return { text: failure.text, fix: "run the doctor again; if it persists, read the answer above" };
  }
};
