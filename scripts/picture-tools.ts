import { execFileSync } from "node:child_process";

/** What `npm run render-messages` finds on the machine: Chromium, an emoji font, ImageMagick. */

export const which = (names: string[]): string | null => {
  for (const name of names) {
    try {
      execFileSync("sh", ["-c", `command -v "$1"`, "sh", name], { stdio: "pipe" });
      return name;
    } catch {}
  }
  return null;
};

/** Whether fontconfig knows a colour emoji font: without one the emoji render as empty boxes. */
export const emojiFont = (): boolean | null => {
  try {
    return /emoji/i.test(execFileSync("fc-list", [], { stdio: "pipe" }).toString());
  } catch {
    return null;
  }
};

/** ImageMagick's own convert, not a stand-in that only knows a few of its options. */
export const imageMagick = (): string | null => {
  for (const name of ["magick", "convert"]) {
    try {
      if (execFileSync(name, ["-version"], { stdio: "pipe" }).toString().includes("ImageMagick")) return name;
    } catch {}
  }
  return null;
};
