#!/bin/sh
# Builds the host's native library (libsluice-native.so) from src/main/c with the system's C compiler, for
# the JDK the build runs on (its JNI headers). Where there is no C compiler, or the library does not build
# (a C library older than glibc 2.34, say), the build goes on without it and the local executor calls the
# C library through the Foreign Function API instead, starting tasks a little slower
# (docs/adr/2026-12-05-native-library.md).
#
#   native.sh JAVA_HOME SOURCE OUTPUT_DIR        (CC, CFLAGS and LDFLAGS are honoured)
set -u
java_home=$1 source=$2 out=$3
cc=${CC:-cc}
rm -f "$out/libsluice-native.so" "$out/sluice-task-loop"
# CC may carry words of its own ("ccache gcc"): the first is the program.
set -f
# shellcheck disable=SC2086
set -- $cc
set +f
if ! command -v "$1" >/dev/null 2>&1; then
  echo "sluice: no C compiler ('$cc') found: the host's native library is not built, and the local executor" \
    "will call the C library through the Foreign Function API (slower to start); install gcc (or set CC), then" \
    "run ./build to build it." >&2
  exit 0
fi
mkdir -p "$out"
# Every function must be declared and every symbol resolved when the library is linked and loaded: a C
# library without one fails here, or at System.load, never at a task's launch.
# shellcheck disable=SC2086
if ! "$@" -std=gnu11 -O2 -fPIC -shared -Wall -Wextra -Werror=implicit-function-declaration ${CFLAGS:-} \
  -I"$java_home/include" -I"$java_home/include/linux" -Wl,-z,defs -Wl,-z,now ${LDFLAGS:-} \
  -o "$out/libsluice-native.so" "$source"; then
  rm -f "$out/libsluice-native.so"
  echo "sluice: the host's native library did not build (see above); the local executor will call the C" \
    "library through the Foreign Function API (slower to start)." >&2
  exit 0
fi
# The local executor's task loop, a program of its own beside the library (docs/adr/2026-12-05-native-task-loop.md).
loop_source=$(dirname "$source")/sluice-task-loop.c
rm -f "$out/sluice-task-loop"
# shellcheck disable=SC2086
if ! "$@" -std=gnu11 -O2 -Wall -Wextra -Werror=implicit-function-declaration ${CFLAGS:-} -Wl,-z,now ${LDFLAGS:-} \
  -o "$out/sluice-task-loop" "$loop_source"; then
  rm -f "$out/sluice-task-loop"
  echo "sluice: the local executor's task loop did not build (see above); tasks will start from the host's JVM" \
    "(slower for many short tasks)." >&2
fi
exit 0
