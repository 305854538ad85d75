package dev.sluice.plugins.apptainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The {@code --env-file} given to tasks that hold a GPU: it carries the devices chosen for the task into
 * the container, which {@code --cleanenv} would otherwise leave out.
 *
 * <p>Why a file: under Slurm the devices are known only when the job starts on its node (Slurm sets
 * {@code CUDA_VISIBLE_DEVICES} in the job's environment), after sluice wrote the command. Apptainer
 * evaluates an env file itself, with a small shell interpreter that sees Apptainer's own environment
 * and passes on only what the file sets; so this file, which sets each variable to its value outside
 * when it has one, forwards exactly those variables at run time, without a shell between the executor
 * and Apptainer. The file is the same for every task: it is written once into the cache directory
 * (which Slurm's nodes must see anyway, for the SIF files).
 */
final class GpuEnvFile {
    /**
     * The variables that say which GPUs a task may use: CUDA's (with the order its indexes count in, which
     * the gpu plugin sets to PCI_BUS_ID so that they match nvidia-smi's), the NVIDIA container runtime's,
     * Slurm's.
     */
    static final List<String> VARIABLES = List.of("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER",
            "NVIDIA_VISIBLE_DEVICES", "GPU_DEVICE_ORDINAL");
    static final String NAME = ".sluice-gpu.env";

    private GpuEnvFile() {
    }

    /** What the file says. */
    static String content() {
        StringBuilder s = new StringBuilder();
        s.append("# Written by sluice's apptainer plugin; read by apptainer exec --env-file.\n");
        s.append("# Passes the GPUs chosen for the task (by sluice's gpu plugin or by Slurm) into the container\n");
        s.append("# despite --cleanenv: each variable is set to its value outside, and only when it has one.\n");
        for (String v : VARIABLES) {
            s.append("case \"${").append(v).append("+set}\" in set) ").append(v).append("=\"$").append(v)
                    .append("\" ;; esac\n");
        }
        return s.toString();
    }

    /**
     * Writes the file into {@code dir} unless it is there already with this content; atomically (a
     * temporary file renamed into place), so that concurrent runs never read half of it.
     */
    static Path ensureIn(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        String content = content();
        if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(content)) {
            return file;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + NAME, ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }
}
