import semver from 'semver';

// The stack's two images (compose/docker-compose.yml, original-scripts.md §6): the repositories are
// fixed, only the tags vary, through FALKORDB_IMAGE_TAG and GRAPHITI_MCP_IMAGE_TAG.

/** The two pinned tags that make a deployment. */
export interface ImagePair {
  falkordb: string;
  graphiti: string;
}

/** Per service: compose service, image repository and the variable that holds its tag. */
export const STACK_SERVICES = {
  falkordb: { service: 'falkordb', repository: 'falkordb/falkordb', variable: 'FALKORDB_IMAGE_TAG' },
  graphiti: { service: 'graphiti-mcp', repository: 'falkordb/graphiti-knowledge-graph-mcp', variable: 'GRAPHITI_MCP_IMAGE_TAG' },
} as const;

/** Which of the two services. */
export type StackKey = keyof typeof STACK_SERVICES;
/** Both keys, FalkorDB first (compose start order). */
export const STACK_KEYS: readonly StackKey[] = ['falkordb', 'graphiti'];

/** imageRef is `<repository>:<tag>` for a service. */
export function imageRef(key: StackKey, tag: string): string {
  return `${STACK_SERVICES[key].repository}:${tag}`;
}

// Docker's tag grammar (distribution/reference): a word character, then up to 127 of [\w.-].
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** isImageTag tells whether `tag` is a valid Docker tag (the healthcheck and rollback share this one grammar). */
export function isImageTag(tag: string): boolean {
  return TAG.test(tag);
}

/** imageTag returns the tag of an image reference (`repo/name:tag` → `tag`), or undefined for digests and untagged refs. */
export function imageTag(ref: string): string | undefined {
  if (ref.includes('@') || ref.startsWith('sha256:')) return undefined;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(colon + 1) : 'latest';
}

/**
 * tagProblem returns why `tag` cannot be deployed — not a valid Docker tag, or `latest`, which
 * pins nothing (runbook "Production go/no-go") — or undefined when it is fine.
 */
export function tagProblem(tag: string): string | undefined {
  if (!isImageTag(tag)) return `'${tag}' is not a valid image tag (letters, digits, _ . -; at most 128; not starting with . or -)`;
  if (tag === 'latest') return "'latest' is not a pinned tag; name the version to deploy";
  return undefined;
}

/** samePair compares two pairs tag by tag. */
export function samePair(a: ImagePair, b: ImagePair): boolean {
  return a.falkordb === b.falkordb && a.graphiti === b.graphiti;
}

/** describePair renders `falkordb v4.2.1, graphiti-mcp 0.4.0`. */
export function describePair(p: ImagePair): string {
  return `falkordb ${p.falkordb}, graphiti-mcp ${p.graphiti}`;
}

/** Whether moving from one tag to another goes to an older version, a newer one, or cannot be told. */
export type Direction = 'down' | 'up' | 'same' | 'unknown';

/**
 * tagDirection compares two tags as versions (`v4.2.1`, `4.2`, `edge-4.3.0`: the last x.y[.z] in
 * the tag, semver.coerce); `unknown` when either has no version in it or the versions are equal but the tags differ.
 */
export function tagDirection(from: string, to: string): Direction {
  if (from === to) return 'same';
  const a = semver.coerce(from, { rtl: true });
  const b = semver.coerce(to, { rtl: true });
  if (!a || !b) return 'unknown';
  const cmp = semver.compare(a, b);
  return cmp > 0 ? 'down' : cmp < 0 ? 'up' : 'unknown';
}
