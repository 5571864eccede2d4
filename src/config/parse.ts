import { fieldOf } from "../field-of.ts";
import type { ValueSchema } from "./values.ts";
import {
  type Feature,
  type OnInvalid,
  VARIABLE_NAMES,
  VARIABLES,
  type ValueOf,
  type VariableName,
} from "./variables.ts";

/**
 * A value vigie cannot use, and what it does instead (`effect`, see OnInvalid). `message` names what is
 * wrong and may quote a non-secret value: it goes to the log and the banner, never to an HTTP answer.
 */
export interface ConfigProblem {
  readonly variable: string;
  readonly feature: Feature;
  readonly message: string;
  readonly effect: OnInvalid;
}

export type Env = Readonly<Record<string, string | undefined>>;

export type Values = { readonly [N in VariableName]: ValueOf<N> };

const isBlank = (raw: string | undefined): raw is undefined => raw === undefined || raw.trim() === "";

/** Parses one variable: its value (or its default), and the problem when the value was rejected. */
export const parseVariable = <N extends VariableName>(
  env: Env,
  name: N,
): { value: ValueOf<N>; problem: ConfigProblem | null } => {
  const spec = VARIABLES[name];
  const schema: ValueSchema<unknown> = spec.schema();
  // The one link between the table's schemas and ValueOf's conditional type: TS cannot follow N through both.
  const typed = (value: unknown): ValueOf<N> => value as ValueOf<N>;
  const fallback = (): ValueOf<N> =>
    typed(spec.default === null ? undefined : schema.safeParse(spec.default).data);
  const raw = env[name];
  if (isBlank(raw)) return { value: fallback(), problem: null };
  const result = schema.safeParse(raw);
  if (result.success) return { value: typed(result.data), problem: null };
  const issue = result.error.issues[0];
  const detail = issue?.message ?? "invalid value";
  // A secret's problem is shown only when its schema marked it showable (it says why, never the value).
  const showable = fieldOf(fieldOf(issue, "params"), "showable") === true;
  const instead =
    spec.onInvalid === "default"
      ? `; using the default${spec.default === null ? ` (${spec.defaultText ?? "unset"})` : ` (${spec.default})`}`
      : spec.onInvalid === "off"
        ? "; ignored"
        : spec.onInvalid === "route"
          ? `; the ${spec.feature} route refuses every delivery until it is fixed`
          : "; nothing is sent until it is fixed";
  return {
    value: spec.onInvalid === "default" ? fallback() : typed(undefined),
    problem: {
      variable: name,
      feature: spec.feature,
      // A secret's value is never quoted, not even in the log.
      message: `${spec.secret && !showable ? "invalid value (not shown, it is a secret)" : detail}${instead}`,
      effect: spec.onInvalid,
    },
  };
};

/** The variables of the table (all of them by default), parsed; the others are left undefined. */
export const parseVariables = (
  env: Env,
  names: readonly VariableName[] = VARIABLE_NAMES,
): { values: Values; problems: ConfigProblem[] } => {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const name of names) {
    const { value, problem } = parseVariable(env, name);
    values[name] = value;
    if (problem) problems.push(problem);
  }
  return { values: values as Values, problems };
};
