import type { $ZodIssue } from "zod/v4/core";

const describeInput = (input: unknown): string => {
  if (input === undefined) return "nothing";
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  if (typeof input === "number" && Number.isNaN(input)) return "NaN";
  return typeof input;
};

/**
 * `workflow_run.head_commit.id: expected string, got number`: names the first bad field of a payload for
 * the operator, and the type it had, never its value (a payload may carry a token). `root` names the
 * payload itself when the issue is about the whole of it. Needs `safeParse(…, { reportInput: true })`.
 */
export const describeIssue = (issue: $ZodIssue, root: string): string => {
  const path =
    issue.path.reduce<string>(
      (prefix, key) =>
        typeof key === "number" ? `${prefix}[${key}]` : prefix ? `${prefix}.${String(key)}` : String(key),
      "",
    ) || root;
  if (issue.code === "invalid_type")
    return `${path}: expected ${issue.expected}, got ${describeInput(issue.input)}`;
  if (issue.code === "too_small" && Number(issue.minimum) === 1) return `${path}: must not be empty`;
  return `${path}: ${issue.message}`;
};
