package dev.sluice.plugins.docker;

import dev.sluice.kit.ImageRefs;
import dev.sluice.spi.Hints;
import dev.sluice.spi.InvalidSettingException;
import dev.sluice.spi.TaskHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a task's {@code docker/*} hints and the operator's settings decide about its container.
 *
 * @param image     the image ({@code docker/image})
 * @param isolation a session container or one of its own ({@code docker/isolation})
 * @param mounts    the operator's mounts, then the task's ({@code docker/mounts}, comma-separated), each of
 *                  those from a host path the operator allows ({@code allowedHostPaths})
 */
record TaskOptions(String image, DockerSettings.Isolation isolation, List<Mount> mounts) {
    static final String IMAGE = "docker/image";
    static final String ISOLATION = "docker/isolation";
    static final String MOUNTS = "docker/mounts";

    /**
     * The options of a task of the docker executor.
     *
     * @throws InvalidSettingException when a hint is bad or the image is missing, naming the hint and the fix
     */
    static TaskOptions require(TaskHandle task, DockerSettings settings) {
        return of(task.hints(), settings).orElseThrow(() -> new InvalidSettingException(IMAGE,
                "task " + task.name() + " runs on the docker executor but " + task.hints().origin()
                        + " names no image; set the hint docker/image, e.g. hints: {docker/image: busybox:1.36}"));
    }

    /**
     * The options the hints give, or empty when they name no image. Every {@code docker/*} hint is
     * checked either way.
     *
     * @throws InvalidSettingException naming the bad hint and the fix
     */
    static Optional<TaskOptions> of(Hints hints, DockerSettings settings) {
        DockerSettings.Isolation isolation = hints.string(ISOLATION)
                .map(v -> DockerSettings.Isolation.parse(hints, ISOLATION, v)).orElse(settings.isolation());
        List<Mount> mounts = new ArrayList<>(settings.mounts());
        for (Mount mount : Mount.parseAll(hints, MOUNTS, hints.list(MOUNTS))) {
            // The operator's mounts are the operator's; a pipeline's reach only what the operator allows.
            String refusal = settings.allowedHostPaths().refusal(mount.source(),
                    "plugins.docker." + dev.sluice.kit.HostPathAllowList.SETTING);
            if (refusal != null) {
                throw hints.invalid(MOUNTS, mount.source() + ":" + mount.target(), refusal);
            }
            mounts.add(mount);
        }
        Optional<String> image = hints.string(IMAGE).map(String::trim);
        if (image.isEmpty()) {
            return Optional.empty();
        }
        ImageRefs.problem(image.get()).ifPresent(problem -> {
            throw hints.invalid(IMAGE, image.get(), problem);
        });
        return Optional.of(new TaskOptions(image.get(), isolation, List.copyOf(mounts)));
    }
}
