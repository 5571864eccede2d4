/**
 * One JSON object per line. Callers pass plain fields; this module never sees a request, so it cannot
 * leak headers. Secrets are kept out by construction: only the fields a caller names are written.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;
export type Logger = (level: LogLevel, message: string, fields?: LogFields) => void;

const errorFields = (error: unknown): LogFields => {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return { error: error.message, errorName: error.name, ...(cause === undefined ? {} : { cause }) };
  }
  return { error: String(error) };
};

/** Turns an error into loggable fields (name, message, cause message), never its stack or payload. */
export const describeError = errorFields;

export const createLogger =
  (
    write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    now: () => number = Date.now,
  ): Logger =>
  (level, message, fields = {}) => {
    write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg: message, ...fields }));
  };

/** Collects log lines in memory (tests and benchmarks). */
export const memoryLogger = (): {
  log: Logger;
  lines: Array<Record<string, unknown>>;
  text: () => string;
} => {
  const raw: string[] = [];
  const log = createLogger((line) => raw.push(line));
  return {
    log,
    get lines() {
      return raw.map((line): Record<string, unknown> => JSON.parse(line));
    },
    text: () => raw.join("\n"),
  };
};
