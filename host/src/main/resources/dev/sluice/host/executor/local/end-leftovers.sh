# Ends the local tasks of a run that its host left running. Run by sh with three arguments:
#   $1  the run's launch file: "+PID" when a task's process group was started, "-PID" when it ended
#   $2  the run id (each task carries SLUICE_RUN_ID=<run id> in its environment)
#   $3  "watch": wait on standard input first, which the host holds open for as long as it lives;
#       "done" on it means the host ended its tasks itself. "now": end them at once.
# Each task leads a process group of its own whose id is its pid; SIGTERM goes to the group, then
# SIGKILL to whatever is left of it after 10 seconds. The launch file is removed at the end.
file=$1 run=$2 mode=$3
if [ "$mode" = watch ]; then
  # Signals meant for the host (Ctrl-C reaches its whole terminal group) must not end the watch.
  trap '' INT TERM HUP QUIT
  IFS= read -r said || said=
  if [ "$said" = done ]; then
    exit 0
  fi
fi
[ -f "$file" ] || exit 0
live=
for pid in $(awk '
    /^\+[0-9]+$/ { n[substr($0, 2)]++ }
    /^-[0-9]+$/  { n[substr($0, 2)]-- }
    END { for (p in n) if (n[p] > 0) print p }' "$file"); do
  state=
  if [ -r "/proc/$pid/stat" ]; then
    state=$(cat "/proc/$pid/stat" 2>/dev/null) || state=
    state=${state##*) }
    state=${state%% *}
  fi
  if [ -n "$state" ] && [ "$state" != Z ]; then
    # A live leader is the task only if it carries the run's id: a pid reused since is left alone.
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null | grep -qxF "SLUICE_RUN_ID=$run" || continue
  fi
  # A leader gone (or a zombie) with its group still there: the group id cannot have been reused
  # while the group lives, so what is left in it is the task's.
  if kill -TERM "-$pid" 2>/dev/null; then
    live="$live $pid"
  fi
done
tries=0
while [ -n "$live" ] && [ "$tries" -lt 20 ]; do
  sleep 0.5
  still=
  for pid in $live; do
    kill -0 "-$pid" 2>/dev/null && still="$still $pid"
  done
  live=$still
  tries=$((tries + 1))
done
for pid in $live; do
  kill -KILL "-$pid" 2>/dev/null
done
rm -f "$file"
