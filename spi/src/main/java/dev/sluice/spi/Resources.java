package dev.sluice.spi;

import java.time.Duration;
import java.util.Optional;

/**
 * What a task asks for: CPUs, memory, wall time and accelerators.
 *
 * @param cpus            CPU cores, at least 1
 * @param memoryBytes     memory in bytes, or 0 when the task states none
 * @param time            wall-time limit, or {@code null} when the task states none
 * @param accelerators    number of accelerators (GPUs), 0 when none
 * @param acceleratorType accelerator model or kind (for example {@code nvidia-h100}), or {@code null}
 */
public record Resources(int cpus, long memoryBytes, Duration time, int accelerators, String acceleratorType) {

    /** One CPU, nothing else stated. */
    public static final Resources DEFAULT = new Resources(1, 0, null, 0, null);

    public Resources {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1, got " + cpus);
        }
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("memory must not be negative, got " + memoryBytes);
        }
        if (accelerators < 0) {
            throw new IllegalArgumentException("accelerators must not be negative, got " + accelerators);
        }
        if (time != null && (time.isNegative() || time.isZero())) {
            throw new IllegalArgumentException("time must be positive, got " + time);
        }
    }

    /** The wall-time limit, if the task states one. */
    public Optional<Duration> timeLimit() {
        return Optional.ofNullable(time);
    }

    public Resources withCpus(int value) {
        return new Resources(value, memoryBytes, time, accelerators, acceleratorType);
    }

    public Resources withMemoryBytes(long value) {
        return new Resources(cpus, value, time, accelerators, acceleratorType);
    }

    public Resources withTime(Duration value) {
        return new Resources(cpus, memoryBytes, value, accelerators, acceleratorType);
    }

    public Resources withAccelerators(int count, String type) {
        return new Resources(cpus, memoryBytes, time, count, type);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("cpus=").append(cpus);
        if (memoryBytes > 0) {
            sb.append(", memory=").append(Units.formatSize(memoryBytes));
        }
        if (time != null) {
            sb.append(", time=").append(Units.formatDuration(time));
        }
        if (accelerators > 0) {
            sb.append(", accelerators=").append(accelerators);
            if (acceleratorType != null) {
                sb.append(" (").append(acceleratorType).append(')');
            }
        }
        return sb.toString();
    }
}
