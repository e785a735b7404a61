// The scratch server of a drill has no network at all, so nothing outside can reach it and nothing
// here connects to it: one shell script inside the container starts the server on a unix socket,
// waits until it has finished loading, asks what it holds and prints one `@@` line per fact, then
// shuts it down. The password comes in on stdin (never in the container's config or command line)
// and reaches redis-server as config on its stdin and redis-cli through REDISCLI_AUTH.

/** Where the scratch volume is mounted in the scratch container (a path no image ships). */
export const DRILL_DATA = '/autocodex-ops-drill';

/**
 * The script; stdin: the password, then the layout (see below); argv: $1 the module's arguments (one string, may be empty), then the server's own
 * options. The module is loaded when the image ships it ($FALKORDB_BIN_PATH/falkordb.so).
 */
export const PROBE_SCRIPT = `set -u
modargs="$1"; shift
IFS= read -r pw || { echo "@@NOPASSWORD"; exit 3; }
# Line 2 (may be empty): "<rdb> <aof base> <manifest path>", line 3 the manifest: an RDB laid out as
# the base of a multi-part AOF so that a server with appendonly yes loads it (issue 23 §8).
IFS= read -r layout || layout=""
IFS= read -r manifest || manifest=""
lay() { mkdir -p "$(dirname "${DRILL_DATA}/$2")" && ln "${DRILL_DATA}/$1" "${DRILL_DATA}/$2" && printf '%s\n' "$4" > "${DRILL_DATA}/$3"; }
if [ -n "$layout" ]; then
  set -f
  # shellcheck disable=SC2086
  lay $layout "$manifest" || { echo "@@LAYOUT_FAILED"; exit 4; }
  set +f
fi
sock=/tmp/autocodex-ops-drill.sock
if [ -n "\${FALKORDB_BIN_PATH:-}" ] && [ -f "$FALKORDB_BIN_PATH/falkordb.so" ]; then
  set -f
  # shellcheck disable=SC2086
  set -- --loadmodule "$FALKORDB_BIN_PATH/falkordb.so" $modargs "$@"
  set +f
fi
printf 'requirepass %s\\n' "$pw" | redis-server - "$@" --dir ${DRILL_DATA} --port 0 --unixsocket "$sock" --unixsocketperm 700 --daemonize no --save '' &
srv=$!
export REDISCLI_AUTH="$pw"
cli() { redis-cli --no-auth-warning -s "$sock" "$@"; }
echo "@@STARTED"
while :; do
  if ! kill -0 "$srv" 2>/dev/null; then wait "$srv"; echo "@@EXITED $?"; exit 0; fi
  if [ -S "$sock" ] && [ "$(cli INFO persistence 2>/dev/null | tr -d '\\r' | grep '^loading:')" = "loading:0" ]; then break; fi
  sleep 0.05
done
echo "@@LOADED"
echo "@@DBSIZE $(cli DBSIZE | tr -d '\\r')"
mods=$(cli MODULE LIST | tr -d '\\r' | tr '\\n' ' ')
echo "@@MODULES $mods"
if cli COMMAND INFO GRAPH.LIST | grep -q -i 'graph.list'; then
  cli GRAPH.LIST | tr -d '\\r' | while IFS= read -r g; do
    [ -n "$g" ] || continue
    n=$(cli GRAPH.RO_QUERY "$g" "MATCH (n) RETURN count(n)" 2>&1 | tr -d '\\r' | sed -n 2p)
    printf '@@GRAPH %s\\t%s\\n' "$n" "$g"
  done
  echo "@@GRAPHS_DONE"
else
  echo "@@NOGRAPH"
fi
cli SHUTDOWN NOSAVE >/dev/null 2>&1
wait "$srv"
echo "@@DONE"
`;

/** What the script printed, parsed. */
export interface ProbeOutput {
  started: boolean;
  loaded: boolean;
  /** The server's exit status when it stopped before it had loaded. */
  exited?: number;
  keys?: number;
  modules: Array<{ name: string; version?: string }>;
  /** undefined when the server has no GRAPH.* commands. */
  graphs?: Array<{ name: string; nodes?: number; error?: string }>;
  /** The server's own log lines (everything that is not an `@@` line). */
  serverLog: string[];
  /**
   * When the engine logged the script's marks (epoch ms, from `docker logs --timestamps`): the server
   * started, finished loading, and the key/graph probe ended.
   */
  at: { started?: number; loaded?: number; probed?: number };
}

// `docker logs --timestamps` prefixes each line with the engine's RFC 3339 time (nanoseconds).
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d) (.*)$/;

/** Splits a timestamped log line into its time (epoch ms, to the microsecond) and its text. */
function stamped(line: string): { at?: number; text: string } {
  const m = STAMP.exec(line);
  if (!m) return { text: line };
  const at = Date.parse(`${m[1]}${m[3]}`) + Number(`0.${m[2] ?? '0'}`) * 1000;
  return Number.isFinite(at) ? { at, text: m[4]! } : { text: line };
}

/** parseProbeOutput reads the container's log. Pure. */
export function parseProbeOutput(log: string): ProbeOutput {
  const out: ProbeOutput = { started: false, loaded: false, modules: [], serverLog: [], at: {} };
  for (const raw of log.split('\n')) {
    const { at, text: line } = stamped(raw.replace(/\r$/, ''));
    if (!line.startsWith('@@')) {
      if (line.trim() !== '') out.serverLog.push(line);
      continue;
    }
    const [tag, ...rest] = line.slice(2).split(' ');
    const value = rest.join(' ');
    if (at !== undefined) {
      if (tag === 'STARTED') out.at.started = at;
      else if (tag === 'LOADED') out.at.loaded = at;
      else if (tag === 'NOGRAPH' || tag === 'GRAPHS_DONE') out.at.probed = at;
    }
    if (tag === 'STARTED') out.started = true;
    else if (tag === 'LOADED') out.loaded = true;
    else if (tag === 'EXITED') out.exited = Number(value);
    else if (tag === 'DBSIZE' && /^\d+$/.test(value.trim())) out.keys = Number(value.trim());
    else if (tag === 'MODULES') out.modules = parseModuleList(value);
    else if (tag === 'NOGRAPH') out.graphs = undefined;
    else if (tag === 'GRAPH') {
      const tab = value.indexOf('\t');
      const count = value.slice(0, tab);
      const name = value.slice(tab + 1);
      (out.graphs ??= []).push(/^\d+$/.test(count) ? { name, nodes: Number(count) } : { name, error: count || 'no answer' });
    } else if (tag === 'GRAPHS_DONE') out.graphs ??= [];
  }
  return out;
}

// redis-cli prints MODULE LIST flat: name graph ver 41005 path … args …
function parseModuleList(flat: string): Array<{ name: string; version?: string }> {
  const words = flat.trim().split(/\s+/);
  const mods: Array<{ name: string; version?: string }> = [];
  for (let i = 0; i < words.length; i += 1) {
    if (words[i] === 'name' && words[i + 1]) {
      const m: { name: string; version?: string } = { name: words[i + 1]! };
      if (words[i + 2] === 'ver' && words[i + 3]) m.version = words[i + 3]!;
      mods.push(m);
    }
  }
  return mods;
}

/**
 * probeTimings splits the scratch server's time (issue 17, bench): `loadMs` from the server's start
 * until it answers with `loading:0`, and `probeMs` for what the drill asks it afterwards (DBSIZE,
 * modules, each graph's read-only query). Undefined where the log carries no timestamps. Pure.
 */
export function probeTimings(probe: Pick<ProbeOutput, 'at'>): { loadMs?: number; probeMs?: number } {
  const { started, loaded, probed } = probe.at;
  return {
    ...(started !== undefined && loaded !== undefined ? { loadMs: Math.max(0, Math.round(loaded - started)) } : {}),
    ...(loaded !== undefined && probed !== undefined ? { probeMs: Math.max(0, Math.round(probed - loaded)) } : {}),
  };
}

/** Redis log messages that name why data did not load, as the drill reports them. */
const KNOWN: Array<[RegExp, string]> = [
  [/module.*(can't load|cannot load|not loaded|unknown module|datatype)|can't load.*module/i, 'RDB from another module version (or the module is missing)'],
  [/Can't handle RDB format version/i, 'RDB from a newer server version'],
  [/short read while loading the AOF|Unexpected end of file reading the append only file|truncated/i, 'AOF truncated'],
  [/Bad file format reading the append only file|AOF.*(corrupt|bad format)/i, 'AOF corrupt'],
  [/Wrong signature trying to load DB|Short read or OOM loading DB|Bad file format|RDB.*(corrupt|checksum)|Internal error in RDB/i, 'RDB corrupt or truncated'],
];

/** loadFailure names why the server did not load, from its log; undefined when the log does not say. */
export function loadFailure(serverLog: readonly string[]): string | undefined {
  for (const line of serverLog) for (const [re, what] of KNOWN) if (re.test(line)) return what;
  return undefined;
}
