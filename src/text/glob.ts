/**
 * Globs matched in linear time, whatever the operator writes (BRANCHES, ROUTES, `setup --sites`). A glob
 * turned into a regular expression (`release-*-*-*-*-*` → `^release-[^/]*-[^/]*…$`) backtracks: one
 * pushed branch of 159 characters held an answer 11 s. Here the glob is run as a set of states over its
 * tokens (a Thompson simulation, no backtracking): each character of the text advances every live state
 * once, so a match costs at most (text length + 1) × (tokens + 1) steps, and repeated stars collapse first.
 *
 * Semantics are GitHub's workflow filters' (https://docs.github.com/actions/reference/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet):
 * `*` matches any run of characters but `/`, `**` any run at all, `?` one character but `/`, anything
 * else itself. Characters are UTF-16 code units, as in a JavaScript RegExp without the `u` flag.
 */
type Token =
  | { readonly kind: "literal"; readonly char: string }
  | { readonly kind: "one" }
  | { readonly kind: "star" }
  | { readonly kind: "globstar" };

export interface GlobMatcher {
  /** The glob as written. */
  readonly glob: string;
  /** Whether the whole `text` matches. */
  test(text: string): boolean;
}

export interface GlobOptions {
  /** Letters match in either case (repository and site names). */
  readonly ignoreCase?: boolean;
  /** Called once per step (tests count them: the cost is bounded, not timed). */
  readonly onStep?: () => void;
}

const tokenize = (glob: string): Token[] => {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const char = glob.charAt(i);
    let token: Token;
    if (char === "*" && glob[i + 1] === "*") {
      token = { kind: "globstar" };
      i++;
    } else if (char === "*") token = { kind: "star" };
    else if (char === "?") token = { kind: "one" };
    else token = { kind: "literal", char };
    const last = tokens.at(-1);
    // A run of stars is one star: `**` if any of them is, else `*` (`*` then `*` cannot occur).
    if (
      (token.kind === "star" || token.kind === "globstar") &&
      (last?.kind === "star" || last?.kind === "globstar")
    ) {
      if (token.kind === "globstar") tokens[tokens.length - 1] = token;
      continue;
    }
    tokens.push(token);
  }
  return tokens;
};

const sameLetter = (a: string, b: string): boolean =>
  a === b || a.toLowerCase() === b.toLowerCase() || a.toUpperCase() === b.toUpperCase();

export const compileGlob = (glob: string, options: GlobOptions = {}): GlobMatcher => {
  const tokens = tokenize(glob);
  const size = tokens.length;
  const equal = options.ignoreCase ? sameLetter : (a: string, b: string) => a === b;
  const step = options.onStep ?? (() => undefined);
  /** Adds state `i` and, past each star (zero characters), the states after it. */
  const add = (states: Uint8Array, from: number): void => {
    for (let i = from; i <= size; i++) {
      step();
      if (states[i] === 1) return;
      states[i] = 1;
      const kind = tokens[i]?.kind;
      if (kind !== "star" && kind !== "globstar") return;
    }
  };
  return {
    glob,
    test(text) {
      let current = new Uint8Array(size + 1);
      let next = new Uint8Array(size + 1);
      add(current, 0);
      for (let at = 0; at < text.length; at++) {
        const char = text.charAt(at);
        next.fill(0);
        let alive = false;
        for (let i = 0; i < size; i++) {
          step();
          const token = tokens[i];
          if (current[i] !== 1 || token === undefined) continue;
          if (token.kind === "globstar" || (token.kind === "star" && char !== "/")) {
            add(next, i);
            alive = true;
          } else if (
            (token.kind === "one" && char !== "/") ||
            (token.kind === "literal" && equal(token.char, char))
          ) {
            add(next, i + 1);
            alive = true;
          }
        }
        if (!alive) return false;
        [current, next] = [next, current];
      }
      return current[size] === 1;
    },
  };
};
