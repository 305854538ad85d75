#!/bin/sh
# Builds the host's native library (libsluice-native.so) from src/main/c with the system's C compiler, for
# the JDK the build runs on (its JNI headers). Where there is no C compiler, or it fails, the build goes on
# without the library and the local executor calls the C library through the Foreign Function API instead
# (a one-task run about 30 ms slower to start; docs/adr/2026-12-05-native-library.md).
#
#   native.sh JAVA_HOME SOURCE OUTPUT_DIR
set -u
java_home=$1 source=$2 out=$3
cc=${CC:-cc}
rm -f "$out/libsluice-native.so"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "sluice: no C compiler ('$cc') found: the host's native library is not built, and the local executor" \
    "will call the C library through the Foreign Function API (slower to start); install gcc to build it." >&2
  exit 0
fi
mkdir -p "$out"
if ! "$cc" -std=gnu11 -O2 -fPIC -shared -Wall -Wextra -I"$java_home/include" -I"$java_home/include/linux" \
  -o "$out/libsluice-native.so" "$source"; then
  rm -f "$out/libsluice-native.so"
  echo "sluice: the host's native library did not compile (see above); the local executor will call the C" \
    "library through the Foreign Function API (slower to start)." >&2
fi
exit 0
