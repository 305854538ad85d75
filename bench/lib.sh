# Shared helpers of the shell benchmarks (bench/run-dispatch, bench/run-startup,
# bench/run-environments, bench/run-docker), sourced, not run.
# Callers set `set -euo pipefail` themselves; every function here is safe under it.
#
# Sets BENCH_ROOT (the repository root) and BENCH_DIR (bench/). Numbers are printed with a '.'
# decimal point whatever the user's locale, because awk and sort parse them back.

export LC_ALL=C
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(cd "$BENCH_DIR/.." && pwd)

# Prints "name: message" on stderr and exits 2 (bad input or a missing prerequisite).
bench_die() {
  echo "${BENCH_NAME:-bench}: $*" >&2
  exit 2
}

bench_note() {
  echo "${BENCH_NAME:-bench}: $*" >&2
}

# bench_need_command CMD PACKAGE: fails with a message naming the Debian package when CMD is missing.
bench_need_command() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 \
    || bench_die "'$cmd' not found on the PATH; install the Debian package '$pkg' (apt-get install $pkg)."
}

# bench_ensure_package CMD PACKAGE [HINT]: installs PACKAGE with apt-get when CMD is missing and we
# are root; otherwise fails with a message saying what to install (and HINT, e.g. a flag to skip).
bench_ensure_package() {
  local cmd=$1 pkg=$2 hint=${3:-}
  command -v "$cmd" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    bench_die "'$cmd' not found; install it with 'sudo apt-get install $pkg'${hint:+, or $hint}."
  fi
  command -v apt-get >/dev/null 2>&1 \
    || bench_die "'$cmd' not found and there is no apt-get to install '$pkg' with${hint:+; $hint}."
  bench_note "installing the Debian package '$pkg' (for '$cmd')..."
  apt-get update -qq >&2 || bench_die "'apt-get update' failed; install '$pkg' by hand${hint:+, or $hint}."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2 \
    || bench_die "'apt-get install $pkg' failed; install it by hand${hint:+, or $hint}."
  command -v "$cmd" >/dev/null 2>&1 || bench_die "installed '$pkg' but '$cmd' is still not on the PATH."
}

# bench_positive_int NAME VALUE: fails unless VALUE is a whole number >= 1.
bench_positive_int() {
  local name=$1 value=$2
  [[ $value =~ ^[1-9][0-9]*$ ]] || bench_die "$name must be a whole number >= 1, got '$value'."
}

# bench_now_us VAR: sets VAR to the microseconds since the epoch. EPOCHREALTIME (bash 5) read in
# this shell, not in a $(...) subshell, adds no fork to what is timed; its decimal point follows the
# locale, hence keeping only the digits.
bench_now_us() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    printf -v "$1" '%s' "${EPOCHREALTIME//[!0-9]/}"
  else
    local ns
    ns=$(date +%s%N)
    printf -v "$1" '%s' "${ns%???}"
  fi
}

# bench_elapsed_ms START_US END_US: prints the difference in milliseconds with one decimal.
bench_elapsed_ms() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'
}

# bench_median NUMBER...: prints the median (mean of the middle two for an even count), or '-' for
# no numbers.
bench_median() {
  [ $# -gt 0 ] || { printf -- '-'; return 0; }
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m }'
}

# bench_median2 NUMBER...: the same with two decimals, for ratios and times per task.
bench_median2() {
  [ $# -gt 0 ] || { printf -- '-'; return 0; }
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }'
}

# bench_max NUMBER...: prints the largest, or '-' for no numbers.
bench_max() {
  [ $# -gt 0 ] || { printf -- '-'; return 0; }
  printf '%s\n' "$@" | sort -g | tail -n 1 | awk '{ printf "%.1f", $1 }'
}

# bench_rate TASKS MILLISECONDS: tasks per second with one decimal ('-' if either is '-').
bench_rate() {
  if [ "$1" = - ] || [ "$2" = - ]; then printf -- '-'; return 0; fi
  awk -v n="$1" -v ms="$2" 'BEGIN { if (ms <= 0) printf "-"; else printf "%.1f", n * 1000 / ms }'
}

# bench_ratio A B: A / B with two decimals ('-' if either is '-' or B is 0).
bench_ratio() {
  if [ "$1" = - ] || [ "$2" = - ]; then printf -- '-'; return 0; fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) printf "-"; else printf "%.2f", a / b }'
}

# bench_at_least VALUE TARGET: prints "met" or "missed" ('-' for no value).
bench_at_least() {
  if [ "$1" = - ]; then printf 'not measured'; return 0; fi
  awk -v v="$1" -v t="$2" 'BEGIN { printf "%s", (v >= t) ? "met" : "missed" }'
}

# bench_below VALUE LIMIT: prints "met" when VALUE < LIMIT, else "missed".
bench_below() {
  if [ "$1" = - ]; then printf 'not measured'; return 0; fi
  awk -v v="$1" -v t="$2" 'BEGIN { printf "%s", (v < t) ? "met" : "missed" }'
}

# bench_at_most VALUE LIMIT: prints "met" when VALUE <= LIMIT, else "missed".
bench_at_most() {
  if [ "$1" = - ]; then printf 'not measured'; return 0; fi
  awk -v v="$1" -v t="$2" 'BEGIN { printf "%s", (v <= t) ? "met" : "missed" }'
}

# bench_sub A B: A - B with one decimal ('-' if either is '-').
bench_sub() {
  if [ "$1" = - ] || [ "$2" = - ]; then printf -- '-'; return 0; fi
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'
}

# bench_per_task MS N [FACTOR]: MS * FACTOR / N (FACTOR defaults to 1) with two decimals ('-' if MS is '-').
bench_per_task() {
  if [ "$1" = - ]; then printf -- '-'; return 0; fi
  awk -v ms="$1" -v n="$2" -v f="${3:-1}" 'BEGIN { printf "%.2f", ms * f / n }'
}

# bench_trace_span TRACE: reads a sluice trace (TSV with a header naming the columns `submit`,
# `complete` and `status`) and prints "ROWS SUCCEEDED FIRST_SUBMIT LAST_COMPLETE", the two times as
# they appear in the trace; '-' for a time when no row has one. Fails if a column is missing.
#
# The trace writes Instant.toString() truncated to milliseconds, which leaves out the fraction when
# it is zero ("...:05Z" instead of "...:05.000Z"); such strings do not sort as text, so each is
# compared through a key with the fraction padded to nanoseconds.
bench_trace_span() {
  local trace=$1
  [ -s "$trace" ] || bench_die "the trace '$trace' is missing or empty."
  awk -F '\t' '
    function key(t,    body, frac, dot) {
      body = substr(t, 1, length(t) - 1)          # without the trailing Z
      dot = index(body, ".")
      if (dot == 0) { frac = ""; } else { frac = substr(body, dot + 1); body = substr(body, 1, dot - 1) }
      while (length(frac) < 9) frac = frac "0"
      return body "." frac
    }
    NR == 1 {
      for (i = 1; i <= NF; i++) col[$i] = i
      if (!("submit" in col) || !("complete" in col) || !("status" in col)) { bad = 1; exit 1 }
      next
    }
    NF == 0 { next }
    {
      rows++
      if ($col["status"] == "SUCCEEDED") ok++
      s = $col["submit"]; c = $col["complete"]
      if (s != "-" && s != "" && (first == "" || key(s) < key(first))) first = s
      if (c != "-" && c != "" && (last == "" || key(c) > key(last))) last = c
    }
    END {
      if (bad) exit 1
      printf "%d %d %s %s\n", rows, ok, (first == "" ? "-" : first), (last == "" ? "-" : last)
    }' "$trace" || bench_die "cannot read the trace '$trace': its header must name the columns submit, complete and status."
}

# The awk function iso_ms(T): milliseconds since the epoch (with the fraction kept) of an ISO-8601
# UTC time as the trace writes it (2026-11-22T05:12:00.123Z, or ...:00Z without a fraction), with no
# call to date per row; -1 for '-' or anything else it cannot read. Prepended to awk programs.
BENCH_AWK_ISO='
function iso_ms(t,    y, mo, d, h, mi, s, era, yoe, doy, days) {
  if (t !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9]+)?Z$/) return -1
  y = substr(t, 1, 4) + 0; mo = substr(t, 6, 2) + 0; d = substr(t, 9, 2) + 0
  h = substr(t, 12, 2) + 0; mi = substr(t, 15, 2) + 0
  s = substr(t, 18, length(t) - 18) + 0                  # seconds with the fraction, without the Z
  # Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant, days_from_civil).
  if (mo <= 2) y--
  era = int(y / 400); yoe = y - era * 400
  doy = int((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1
  days = era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
  return ((days * 24 + h) * 60 + mi) * 60000 + s * 1000
}
'

# bench_trace_latency TRACE: reads a sluice trace and prints "ROWS MEAN_MS": how many rows have both
# a `submit` and a `complete` time, and the mean over them of complete - submit in milliseconds
# (one decimal; '-' when no row has both). Fails if a column is missing.
bench_trace_latency() {
  local trace=$1
  [ -s "$trace" ] || bench_die "the trace '$trace' is missing or empty."
  awk -F '\t' "$BENCH_AWK_ISO"'
    NR == 1 {
      for (i = 1; i <= NF; i++) col[$i] = i
      if (!("submit" in col) || !("complete" in col)) { bad = 1; exit 1 }
      next
    }
    NF == 0 { next }
    {
      s = iso_ms($col["submit"]); c = iso_ms($col["complete"])
      if (s >= 0 && c >= 0) { n++; sum += c - s }
    }
    END {
      if (bad) exit 1
      if (n == 0) printf "0 -\n"; else printf "%d %.1f\n", n, sum / n
    }' "$trace" || bench_die "cannot read the trace '$trace': its header must name the columns submit and complete."
}

# bench_trace_phases TRACE: reads a sluice trace and prints "ROWS QUEUE_MS RUN_MS MAX_QUEUE_MS": how
# many rows have a `submit`, a `start` and a `complete` time, the mean over them of start - submit
# (what the executor did before it reported the task started) and of complete - start (the rest, to
# the recorded end), and the largest start - submit, in milliseconds with one decimal ('-' when no
# row has all three). Fails if a column is missing.
bench_trace_phases() {
  local trace=$1
  [ -s "$trace" ] || bench_die "the trace '$trace' is missing or empty."
  awk -F '\t' "$BENCH_AWK_ISO"'
    NR == 1 {
      for (i = 1; i <= NF; i++) col[$i] = i
      if (!("submit" in col) || !("start" in col) || !("complete" in col)) { bad = 1; exit 1 }
      next
    }
    NF == 0 { next }
    {
      s = iso_ms($col["submit"]); b = iso_ms($col["start"]); c = iso_ms($col["complete"])
      if (s >= 0 && b >= 0 && c >= 0) {
        n++; q += b - s; r += c - b
        if (n == 1 || b - s > mq) mq = b - s
      }
    }
    END {
      if (bad) exit 1
      if (n == 0) printf "0 - - -\n"; else printf "%d %.1f %.1f %.1f\n", n, q / n, r / n, mq
    }' "$trace" || bench_die "cannot read the trace '$trace': its header must name the columns submit, start and complete."
}

# bench_trace_after_first TRACE: reads a sluice trace and prints the milliseconds from the earliest
# `complete` time to the latest (one decimal; '-' when fewer than two rows have one): with tasks one
# at a time, the whole of every task after the first, so that what a run pays once (its first task's
# setup) stays out of a time per task. Fails if the column is missing.
bench_trace_after_first() {
  local trace=$1
  [ -s "$trace" ] || bench_die "the trace '$trace' is missing or empty."
  awk -F '\t' "$BENCH_AWK_ISO"'
    NR == 1 {
      for (i = 1; i <= NF; i++) col[$i] = i
      if (!("complete" in col)) { bad = 1; exit 1 }
      next
    }
    NF == 0 { next }
    {
      c = iso_ms($col["complete"])
      if (c >= 0) {
        n++
        if (n == 1 || c < lo) lo = c
        if (n == 1 || c > hi) hi = c
      }
    }
    END {
      if (bad) exit 1
      if (n < 2) printf "-\n"; else printf "%.1f\n", hi - lo
    }' "$trace" || bench_die "cannot read the trace '$trace': its header must name the column complete."
}

# bench_trace_task TRACE PROCESS: the first row of PROCESS in a sluice trace, as
# "STATUS<TAB>START<TAB>COMPLETE<TAB>ERROR" (the times as the trace has them, '-' when empty). Fails
# when a column is missing or no row is of PROCESS.
bench_trace_task() {
  local trace=$1 process=$2 row
  [ -s "$trace" ] || bench_die "the trace '$trace' is missing or empty."
  row=$(awk -F '\t' -v p="$process" '
    function v(name) { return (name in col && $col[name] != "") ? $col[name] : "-" }
    NR == 1 {
      for (i = 1; i <= NF; i++) col[$i] = i
      if (!("process" in col) || !("status" in col) || !("complete" in col)) { bad = 1; exit 1 }
      next
    }
    $col["process"] == p { printf "%s\t%s\t%s\t%s\n", v("status"), v("start"), v("complete"), v("error"); exit }
    END { if (bad) exit 1 }' "$trace") \
    || bench_die "cannot read the trace '$trace': its header must name the columns process, status and complete."
  [ -n "$row" ] || bench_die "the trace '$trace' has no row of the process '$process'."
  printf '%s\n' "$row"
}

# bench_children_cpu_ms VAR: sets VAR to the CPU time (user + system, milliseconds) of this shell's
# children that have ended and been waited for, and of everything they waited for in turn (a
# `sluice run` and its tasks, once the shell has waited for it). Read from /proc without a fork;
# clock-tick resolution (10 ms).
bench_children_cpu_ms() {
  local stat fields
  IFS= read -r stat < "/proc/$BASHPID/stat" || bench_die "cannot read /proc/$BASHPID/stat."
  # The fields after the command name, which is in parentheses and may hold spaces.
  read -r -a fields <<< "${stat##*) }"
  # cutime and cstime are the 16th and 17th fields of stat, the 14th and 15th after the name.
  printf -v "$1" '%s' $(( (fields[13] + fields[14]) * 1000 / ${BENCH_CLK_TCK:=$(getconf CLK_TCK)} ))
}

# bench_iso_to_us ISO: microseconds since the epoch of an ISO-8601 UTC time such as
# 2026-11-22T05:12:00.123Z (GNU date).
bench_iso_to_us() {
  local ns
  ns=$(date -u -d "$1" +%s%N) || bench_die "cannot parse the time '$1' (expected ISO-8601 UTC, e.g. 2026-11-22T05:12:00.123Z)."
  printf '%s' "${ns%???}"
}

# bench_git_commit: the checked-out commit, with "-dirty" when tracked files differ from it.
bench_git_commit() {
  local id
  id=$(git -C "$BENCH_ROOT" rev-parse --short=12 HEAD 2>/dev/null) || { printf 'unknown (not a git checkout)'; return 0; }
  if ! git -C "$BENCH_ROOT" diff --quiet HEAD -- 2>/dev/null; then
    id="$id-dirty"
  fi
  printf '%s (%s)' "$id" "$(git -C "$BENCH_ROOT" rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?')"
}

# bench_machine_markdown JAVA_HOME: a Markdown list describing this machine and the load on it.
bench_machine_markdown() {
  local java_home=$1 cpu mem jdk
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
  mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
  jdk=$("$java_home/bin/java" -version 2>&1 | head -n 1)
  cat <<EOF
- host: $(uname -n), $(uname -sr)
- CPUs (nproc): $(nproc)${cpu:+, $cpu}
- memory: ${mem:-unknown}
- JDK: $jdk ($java_home)
- commit: $(bench_git_commit)
- load average (1, 5, 15 min) at the start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
EOF
}

# bench_sluice_command: the absolute path of the sluice command, ./sluice unless BENCH_SLUICE names
# another (the scripts' own tests use a fake); fails if it cannot be run.
bench_sluice_command() {
  local cmd=${BENCH_SLUICE:-$BENCH_ROOT/sluice}
  [ -f "$cmd" ] && [ -x "$cmd" ] \
    || bench_die "the sluice command '$cmd' is missing or not executable; run from a sluice checkout, or set BENCH_SLUICE to the command."
  readlink -f "$cmd"
}

# bench_results_file KIND: bench/results/KIND-<date>.md (or under BENCH_RESULTS_DIR), with -2, -3...
# appended when an earlier run of the same day already wrote one, so results are never overwritten.
bench_results_file() {
  local kind=$1 dir=${BENCH_RESULTS_DIR:-$BENCH_DIR/results} day base n=2
  day=$(date +%Y-%m-%d)
  mkdir -p "$dir" || bench_die "cannot create the results directory '$dir' (BENCH_RESULTS_DIR)."
  dir=$(cd "$dir" && pwd)
  base=$dir/$kind-$day
  if [ ! -e "$base.md" ]; then
    printf '%s' "$base.md"
    return 0
  fi
  while [ -e "$base-$n.md" ]; do n=$((n + 1)); done
  printf '%s' "$base-$n.md"
}

# bench_make_tmp: creates a temporary directory, sets BENCH_TMP to it and removes it when the script
# exits (BENCH_KEEP_TMP=1 keeps it for a look after a failure).
bench_make_tmp() {
  BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX") || bench_die "cannot create a temporary directory."
  trap bench_cleanup EXIT
  trap 'bench_on_signal 130' INT
  trap 'bench_on_signal 143' TERM
}

# The command bench_run_limited is waiting on, so that Ctrl-C or a TERM can stop it too.
BENCH_CHILD=

# Stops the running measurement (timeout passes the signal on to its command) and exits with CODE.
bench_on_signal() {
  local code=$1
  if [ -n "$BENCH_CHILD" ]; then
    kill -TERM "$BENCH_CHILD" 2>/dev/null || true
    wait "$BENCH_CHILD" 2>/dev/null || true
  fi
  exit "$code"
}

# bench_run_limited SECONDS COMMAND...: runs COMMAND under `timeout` (TERM at SECONDS, KILL 10 s
# later) and returns its exit status, 124 or 137 when it ran too long. It runs in the background and
# is waited for because timeout puts itself in a process group of its own, which a Ctrl-C on the
# terminal does not reach; the INT/TERM traps of bench_make_tmp stop it instead.
bench_run_limited() {
  local limit=$1 rc=0
  shift
  timeout -k 10 "$limit" "$@" < /dev/null &
  BENCH_CHILD=$!
  wait "$BENCH_CHILD" || rc=$?
  BENCH_CHILD=
  return "$rc"
}

bench_cleanup() {
  if [ -n "${BENCH_TMP:-}" ] && [ -d "$BENCH_TMP" ]; then
    if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then
      bench_note "kept the temporary directory $BENCH_TMP"
    else
      rm -rf "$BENCH_TMP"
    fi
  fi
}

# bench_show_tail FILE: the last lines of FILE on stderr, indented, to explain a failure.
bench_show_tail() {
  [ -s "$1" ] || return 0
  tail -n 20 "$1" | sed 's/^/  | /' >&2
}
