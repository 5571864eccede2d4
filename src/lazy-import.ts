/**
 * A module (or anything else asynchronous) loaded at its first use rather than at import: most
 * invocations never need it, and every function invocation may be a cold start (BENCHMARKS.md). Concurrent
 * first uses share one load; a load that fails is tried again by the next use.
 */
export const lazyImport = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loading: Promise<T> | null = null;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };
};
