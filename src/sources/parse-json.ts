import { BadRequestError } from "../errors.ts";

/**
 * JSON.parse of a body whose signature was checked over these exact bytes (read, verify, then parse:
 * docs/architecture.md, "Trust boundaries"); broken JSON is a 400. A "__proto__" key becomes an own property (JSON.parse never calls
 * the setter), and the sources' schemas read named fields only, so it cannot reach Object.prototype.
 */
export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestError("body is not valid JSON", { cause: error });
  }
};

/** `parseJson`, for sources whose payload must be a JSON object before anything else is read. */
export const parseJsonObject = (text: string): object => {
  const payload = parseJson(text);
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new BadRequestError("body is not a JSON object");
  }
  return payload;
};
