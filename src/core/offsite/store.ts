/** One object in a listing. */
export interface RemoteObject {
  key: string;
  bytes: number;
  lastModified: Date;
}

/** What HeadObject says about one object: size, our sha256 metadata, and its object-lock retention. */
export interface RemoteHead {
  bytes: number;
  lastModified: Date;
  /** The `sha256` user metadata this tool stores with every upload. */
  sha256?: string;
  retainUntil?: Date;
  lockMode?: string;
  legalHold?: boolean;
}

/** An in-progress multipart upload (a started, never completed or aborted upload). */
export interface InProgressUpload {
  key: string;
  uploadId: string;
  initiated?: Date;
}

/** The bucket's capabilities that change how we push and prune. */
export interface BucketFacts {
  objectLock: boolean;
  versioning: boolean;
}

/** Object-lock retention to set on an upload. */
export interface Retention {
  mode: 'COMPLIANCE' | 'GOVERNANCE';
  until: Date;
}

export interface PutFileOptions {
  /** Hex sha256 of the file, stored as `x-amz-meta-sha256` and checked after the upload. */
  sha256: string;
  retention?: Retention;
  signal?: AbortSignal;
  onProgress?: (bytesSent: number) => void;
}

/** The outcome of deleting one object: removed, or kept by object lock (with why). */
export type RemoveOutcome = { removed: true } | { removed: false; locked: string };

/**
 * ObjectStore is the narrow S3 surface the offsite use cases need; s3-store.ts implements it on the
 * AWS SDK, tests use a small in-memory model. Failures reject with OpsError (see s3-errors.ts).
 */
export interface ObjectStore {
  readonly bucket: string;
  /** Checks that the bucket answers (credentials, existence, clock) and reads its lock/versioning state. */
  probe(signal?: AbortSignal): Promise<BucketFacts>;
  list(prefix: string, signal?: AbortSignal): Promise<RemoteObject[]>;
  head(key: string, signal?: AbortSignal): Promise<RemoteHead | undefined>;
  /** Uploads a file (multipart above one part, bounded memory), then verifies size and sha256 with HeadObject. */
  putFile(key: string, path: string, options: PutFileOptions): Promise<void>;
  /** Small text objects (sidecars). */
  putText(key: string, text: string, options: { retention?: Retention; signal?: AbortSignal }): Promise<void>;
  /** Streams an object into `path` (created 0600, never replacing), returning its size and sha256. */
  getToFile(key: string, path: string, options: { signal?: AbortSignal; onProgress?: (bytes: number) => void }): Promise<{ bytes: number; sha256: string }>;
  getText(key: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Deletes every version of `key`; a version kept by object lock is reported, not thrown. */
  remove(key: string, signal?: AbortSignal): Promise<RemoveOutcome>;
  listUploads(prefix: string, signal?: AbortSignal): Promise<InProgressUpload[]>;
  abortUpload(key: string, uploadId: string): Promise<void>;
}
