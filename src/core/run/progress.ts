/**
 * Progress of a long copy (backup, restore's extraction): told the expected total when known,
 * then the bytes done so far. output/progress.ts draws it on a terminal.
 */
export interface ProgressSink {
  start(totalBytes?: number): void;
  update(bytesDone: number): void;
  stop(): void;
}
