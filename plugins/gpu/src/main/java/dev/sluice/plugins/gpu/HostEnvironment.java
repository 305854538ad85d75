package dev.sluice.plugins.gpu;

import java.util.Optional;

/** The environment sluice itself was started with; a seam so that tests can set CUDA_VISIBLE_DEVICES. */
@FunctionalInterface
interface HostEnvironment {

    /** The value of {@code name}, if set (an empty value is set). */
    Optional<String> get(String name);

    /** The real process environment. */
    static HostEnvironment system() {
        return name -> Optional.ofNullable(System.getenv(name));
    }
}
