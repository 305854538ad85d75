package dev.sluice.plugins.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.HostConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a container of the plugin is created with, as plain values, so that what is asked of the
 * engine can be checked without one.
 *
 * @param image      the image
 * @param name       the container's name
 * @param cmd        what it runs
 * @param env        {@code NAME=value} entries
 * @param workingDir where {@link #cmd} starts
 * @param user       {@code uid:gid} or a name; {@code null} for the image's user
 * @param labels     the plugin's labels (run, pipeline, owner, ...)
 * @param mounts     bind mounts
 * @param network    the network mode
 * @param nanoCpus   the CPU limit in billionths of a CPU; 0 for none
 * @param memory     the memory limit in bytes; 0 for none
 * @param gpus       the GPUs the container gets, or empty
 */
record ContainerRequest(String image, String name, List<String> cmd, List<String> env, String workingDir, String user,
        Map<String, String> labels, List<Mount> mounts, String network, long nanoCpus, long memory,
        Optional<Gpus> gpus) {

    /**
     * GPUs for a container: exactly the devices assigned to the task, or a count when none were named.
     *
     * @param deviceIds device indexes or UUIDs, e.g. {@code [0, 2]}
     * @param count     how many, when {@code deviceIds} is empty
     */
    record Gpus(List<String> deviceIds, int count) {
        /** The environment variables through which a GPU assignment reaches a task, first wins. */
        static final List<String> ASSIGNMENT_VARIABLES = List.of("NVIDIA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES");

        /**
         * The task's GPUs: the devices the host's gates assigned to it ({@code TaskHandle.assigned()}'s
         * {@code gpu}), else devices named in its environment, else its accelerator count; empty for none.
         */
        static Optional<Gpus> of(List<String> assigned, Map<String, String> environment, int accelerators) {
            if (assigned != null && !assigned.isEmpty()) {
                return Optional.of(new Gpus(List.copyOf(assigned), 0));
            }
            return of(environment, accelerators);
        }

        /** The task's GPUs: devices assigned in its environment, or its accelerator count; empty for none. */
        static Optional<Gpus> of(Map<String, String> environment, int accelerators) {
            for (String variable : ASSIGNMENT_VARIABLES) {
                String value = environment.get(variable);
                if (value != null && !value.isBlank() && !value.equals("none") && !value.equals("void")) {
                    List<String> ids = Arrays.stream(value.split(",")).map(String::trim)
                            .filter(s -> !s.isEmpty()).toList();
                    if (!ids.isEmpty() && !ids.equals(List.of("all"))) {
                        return Optional.of(new Gpus(ids, 0));
                    }
                }
            }
            return accelerators > 0 ? Optional.of(new Gpus(List.of(), accelerators)) : Optional.empty();
        }

        /**
         * The environment inside a container that gets exactly {@link #deviceIds}: there they are its only
         * devices, numbered from 0, so a host-side {@code CUDA_VISIBLE_DEVICES} (indexes such as {@code 2})
         * would name devices the container does not have. It is left out; CUDA then uses every device the
         * container was given.
         */
        Map<String, String> containerEnvironment(Map<String, String> environment) {
            if (deviceIds.isEmpty() || !environment.containsKey("CUDA_VISIBLE_DEVICES")) {
                return environment;
            }
            Map<String, String> inside = new java.util.LinkedHashMap<>(environment);
            inside.remove("CUDA_VISIBLE_DEVICES");
            return inside;
        }

        DeviceRequest deviceRequest() {
            DeviceRequest request = new DeviceRequest().withDriver("nvidia")
                    .withCapabilities(List.of(List.of("gpu")));
            return deviceIds.isEmpty() ? request.withCount(count) : request.withDeviceIds(deviceIds);
        }
    }

    /** Fills {@code cmd} in with this request. */
    CreateContainerCmd applyTo(CreateContainerCmd create) {
        List<Bind> binds = new ArrayList<>();
        for (Mount m : mounts) {
            binds.add(Bind.parse(m.bind()));
        }
        HostConfig host = HostConfig.newHostConfig()
                .withBinds(binds)
                .withNetworkMode(network)
                // An init as PID 1 reaps what exec'd tasks leave behind and passes signals on.
                .withInit(true);
        if (nanoCpus > 0) {
            host.withNanoCPUs(nanoCpus);
        }
        if (memory > 0) {
            // No swap beyond the limit, so that the limit is what the task gets.
            host.withMemory(memory).withMemorySwap(memory);
        }
        gpus.ifPresent(g -> host.withDeviceRequests(List.of(g.deviceRequest())));
        create.withName(name).withCmd(cmd).withEnv(env).withWorkingDir(workingDir).withLabels(labels)
                .withHostConfig(host).withAttachStdout(true).withAttachStderr(true).withTty(false);
        if (user != null) {
            create.withUser(user);
        }
        return create;
    }
}
