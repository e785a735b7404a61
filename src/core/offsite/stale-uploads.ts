import type { ObjectStore } from './store.js';

/**
 * cleanStaleUploads aborts the unfinished multipart uploads under `prefix`: parts left by a run
 * that was killed (SIGKILL, power cut) before it could abort its own. Call it while holding the
 * prefix lock: then no upload of this machine is legitimately in progress. An upload started
 * after `startedBefore` (another machine's, running now) is left alone. Returns the keys aborted.
 */
export async function cleanStaleUploads(store: ObjectStore, prefix: string, startedBefore: Date, signal?: AbortSignal): Promise<string[]> {
  const uploads = await store.listUploads(prefix, signal);
  const stale = uploads.filter((u) => !u.initiated || u.initiated.getTime() <= startedBefore.getTime());
  for (const u of stale) await store.abortUpload(u.key, u.uploadId);
  return stale.map((u) => u.key);
}
