import type { Episode } from "../pipeline/episodes.ts";
import { keys, PREFIX } from "../pipeline/keys.ts";
import { parseOpenIndex, parseStream } from "../pipeline/records.ts";
import type { Store } from "../store/store.ts";

/**
 * The episode behind an `open/<stream key>` index entry, in one read when it can: the key names its stream
 * (keyPart, src/pipeline/keys.ts) unless the name was too long and cut, and parseStream refuses a record of
 * another stream; only then is the index record read for the full name. Null when the stream is not open.
 */
export const readOpenEpisode = async (
  store: Store,
  openKey: string,
): Promise<{ stream: string; episode: Episode } | null> => {
  let guess: string | null = null;
  try {
    guess = decodeURIComponent(openKey.slice(PREFIX.open.length));
  } catch {
    guess = null;
  }
  let state = guess === null ? null : parseStream(await store.read(keys.stream(guess)), guess);
  if (!state) {
    const index = parseOpenIndex(await store.read(openKey));
    if (!index || index.stream === guess) return null;
    state = parseStream(await store.read(keys.stream(index.stream)), index.stream);
  }
  return state?.episode ? { stream: state.stream, episode: state.episode } : null;
};
