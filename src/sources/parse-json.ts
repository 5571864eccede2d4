import { badRequest } from "../http/errors.ts";

/**
 * JSON.parse of a body whose signature was checked over these exact bytes (read, verify, then parse:
 * STYLE.md #1); broken JSON is a 400. A "__proto__" key becomes an own property (JSON.parse never calls
 * the setter), and the sources' schemas read named fields only, so it cannot reach Object.prototype.
 */
export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest("body is not valid JSON", error);
  }
};
