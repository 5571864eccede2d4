import { FEATURES, VARIABLE_NAMES, VARIABLES } from "./variables.ts";

/** Markers around the generated table in README.md. */
export const TABLE_START =
  "<!-- variables: generated from src/config/variables.ts by `npm run readme:variables` -->";
export const TABLE_END = "<!-- /variables -->";

/** The README's variable table, from the table in src/config/variables.ts. */
export const variableTable = (): string => {
  const rows = VARIABLE_NAMES.map((name) => {
    const spec = VARIABLES[name];
    const fallback = spec.default === null ? (spec.defaultText ?? "—") : `\`${spec.default}\``;
    return `| \`${name}\` | ${fallback} | ${FEATURES[spec.feature]} | ${spec.meaning} |`;
  });
  return ["| variable | default | for | meaning |", "|---|---|---|---|", ...rows].join("\n");
};

/** README.md with its table replaced; null when the markers are missing. */
export const withVariableTable = (readme: string): string | null => {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) return null;
  return `${readme.slice(0, start + TABLE_START.length)}\n${variableTable()}\n${readme.slice(end)}`;
};
