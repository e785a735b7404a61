import type { OutputStream } from './printer.js';

/** The writable side of a process stream, as far as guardStream needs it. */
export interface RawStream {
  write(text: string, callback?: (err?: Error | null) => void): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
  readonly destroyed?: boolean;
  readonly isTTY?: boolean;
}

/**
 * guardStream wraps stdout or stderr so that its reader going away (`| head`, a `tee` killed by
 * Ctrl-C: EPIPE; a dropped ssh session: EIO) never crashes or ends the run: the first failed write
 * marks the stream broken and later writes are dropped, while the operation goes on (or is
 * interrupted) through its normal cleanup path. run-cli reads `broken` to keep the exit code honest.
 */
export function guardStream(stream: RawStream): OutputStream {
  let broken = false;
  stream.on('error', () => {
    broken = true;
  });
  const lost = () => broken || stream.destroyed === true;
  return {
    get isTTY() {
      return Boolean(stream.isTTY);
    },
    get broken() {
      return lost();
    },
    write(text: string) {
      if (lost()) return false;
      try {
        return stream.write(text);
      } catch {
        broken = true;
        return false;
      }
    },
    // Waits until what was written has been handed to the OS (or failed), so `broken` is final.
    settle() {
      if (lost()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        try {
          stream.write('', () => {
            clearTimeout(timer);
            resolve();
          });
        } catch {
          broken = true;
          clearTimeout(timer);
          resolve();
        }
      });
    },
  };
}
