/** One line of the report: ✓ ok, – not checked (or off on purpose), ✗ a problem, with what to do. */
export interface Check {
  readonly state: "ok" | "off" | "problem";
  readonly label: string;
  readonly text: string;
  readonly fix?: string;
}

export const ok = (label: string, text: string): Check => ({ state: "ok", label, text });
export const off = (label: string, text: string): Check => ({ state: "off", label, text });
export const problem = (label: string, text: string, fix: string): Check => ({
  state: "problem",
  label,
  text,
  fix,
});
