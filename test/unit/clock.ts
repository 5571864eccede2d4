/** The time every unit test starts at (unless it says otherwise). */
export const T0 = Date.parse("2026-11-27T10:00:00Z");

/**
 * A clock the test moves by hand, handed to the code as `now` and `sleep` (STYLE.md #7): sleeping
 * advances it, so nothing in a unit test waits for real time.
 */
export class Clock {
  constructor(public ms = T0) {}
  now = (): number => this.ms;
  sleep = async (ms: number): Promise<void> => {
    this.ms += ms;
  };
  advance(ms: number): void {
    this.ms += ms;
  }
}
