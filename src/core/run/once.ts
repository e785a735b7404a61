/**
 * once runs `fn` on the first call and shares its promise with every later call, its failure
 * too: an undo that runs from both a finally block and the cleanup stack acts once, and a lazily
 * opened connection is opened once, with one cause for every caller when it fails.
 */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= fn());
}
