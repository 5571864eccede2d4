/** Whether `value` is one of `list` (a readonly tuple of literals), narrowing it to that union. */
export const oneOf = <T extends string>(list: readonly T[], value: string): value is T =>
  list.some((item) => item === value);
