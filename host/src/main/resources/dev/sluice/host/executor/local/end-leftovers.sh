# Ends the local tasks of a run that its host left running. Run by sh with three arguments:
#   $1  the run's launch file: "+PID" when a task's process group was started, "-PID" when it ended
#   $2  the run id (each task carries SLUICE_RUN_ID=<run id> in its environment)
#   $3  "watch": wait on standard input first, which the host holds open for as long as it lives;
#       "done" on it means the host ended its tasks itself. "now": end them at once.
# Each task leads a process group of its own whose id is its pid; SIGTERM goes to the group, then
# SIGKILL to whatever is left of it after 10 seconds. The launch file is removed at the end. Needs
# awk, tr, grep and pgrep (procps).
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
# Whether a process carries the run's id: as the task got it, or as apptainer passes it into a container.
carries_run() {
  tr '\0' '\n' < "/proc/$1/environ" 2>/dev/null | grep -qxE "(APPTAINERENV_|SINGULARITYENV_)?SLUICE_RUN_ID=$run"
}
live=
for pid in $(awk '
    /^\+[0-9]+$/ { n[substr($0, 2)]++ }
    /^-[0-9]+$/  { n[substr($0, 2)]-- }
    END { for (p in n) if (n[p] > 0) print p }' "$file"); do
  # The group is signalled only if one of its processes carries the run's id: a pid reused since by
  # another process, or a group id reused by a daemon's group, is left alone.
  ours=
  for member in $(pgrep -g "$pid" 2>/dev/null); do
    if carries_run "$member"; then
      ours=yes
      break
    fi
  done
  [ -n "$ours" ] || continue
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
