/**
 * One field of a value of unknown shape (an error a library threw, a payload before its schema, an
 * `errno` code), without asserting a type: undefined unless `value` is an object that has it.
 */
export const fieldOf = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null ? Reflect.get(value, name) : undefined;
