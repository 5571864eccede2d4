/** A time (ms since the epoch) as `YYYY-MM-DD HH:MM UTC`: how messages, the board and the scripts show it. */
export const utcMinute = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
