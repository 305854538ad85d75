# Sourced by ./sluice and ./build: sets JAVA_HOME to a JDK >= 25 (SLUICE_MIN_JAVA), or exits 2
# with a message saying how to get one. Order: $JAVA_HOME, the `java` on PATH, then the newest JDK
# under /usr/lib/jvm, /usr/local/lib/jvm, /opt/java and ~/.sdkman/candidates/java.

SLUICE_MIN_JAVA=${SLUICE_MIN_JAVA:-25}

# Prints the feature version (17, 21, 25) of the JDK at $1, or nothing. The release file is read with
# the shell's own commands: every ./sluice start runs this for each JDK it looks at, and a program per
# look cost 15 ms of a 345 ms start (issue 14).
sluice_jdk_version() {
  local home=$1 v="" line
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -f "$home/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
        JAVA_VERSION=\"[0-9]*)
          v=${line#JAVA_VERSION=\"}
          v=${v%%[!0-9]*}
          break ;;
      esac
    done < "$home/release"
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p')
  fi
  [ "$v" = 1 ] && v=8
  printf '%s' "$v"
}

sluice_find_jdk() {
  local candidates=() c best="" best_v=0 v java_on_path
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if java_on_path=$(command -v java 2>/dev/null); then
    java_on_path=$(readlink -f "$java_on_path")
    candidates+=("${java_on_path%/bin/*}")
  fi
  for c in "${candidates[@]}"; do
    [ -n "$c" ] || continue
    v=$(sluice_jdk_version "$c")
    if [ -n "$v" ] && [ "$v" -ge "$SLUICE_MIN_JAVA" ]; then
      printf '%s' "$c"
      return 0
    fi
  done
  for c in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$c" ] && [ ! -L "$c" ] || continue
    v=$(sluice_jdk_version "$c")
    if [ -n "$v" ] && [ "$v" -ge "$SLUICE_MIN_JAVA" ] && [ "$v" -gt "$best_v" ]; then
      best=$c
      best_v=$v
    fi
  done
  if [ -n "$best" ]; then
    printf '%s' "$best"
    return 0
  fi
  return 1
}

if ! SLUICE_JAVA_HOME=$(sluice_find_jdk); then
  echo "sluice: no JDK ${SLUICE_MIN_JAVA} or newer found (looked at JAVA_HOME, java on PATH, /usr/lib/jvm)." >&2
  echo "sluice: install one (e.g. Temurin 25 from adoptium.net, or 'apt-get install openjdk-25-jdk-headless' where your distribution has it) or set JAVA_HOME to it." >&2
  exit 2
fi
export JAVA_HOME=$SLUICE_JAVA_HOME
