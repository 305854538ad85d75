package dev.sluice.host.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The run's log file, and what was logged before it opened (plugins logging as they load). */
class LogFilesTest {
    private final ch.qos.logback.classic.Logger root =
            (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    private final Logger plugin = LoggerFactory.getLogger("sluice.plugin.quota");
    private Level rootLevel;

    @TempDir
    Path dir;

    @BeforeEach
    void consoleLevel() {
        rootLevel = root.getLevel();
        root.setLevel(Level.WARN); // as the console's default sets it
    }

    @AfterEach
    void restore() {
        root.setLevel(rootLevel);
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            lines.add(new ObjectMapper().readTree(line));
        }
        return lines;
    }

    /** Regression: a plugin's constructor logged while loading, before the file existed, and it was lost. */
    @Test
    void whatWasLoggedWhileHeldIsWrittenFirstOnceWithTheRunsId() throws Exception {
        Path file = dir.resolve("log.jsonl");
        try (LogFiles.Held held = LogFiles.hold(0)) {
            plugin.info("quota server at {}", "q.example.org:4000");
            plugin.debug("not at the default verbosity");
            try (AutoCloseable log = LogFiles.open(file, "20261204-120000-abcd", 0)) {
                plugin.info("after the file opened");
            }
        }
        assertThat(lines(file)).extracting(j -> j.get("message").asText())
                .containsExactly("quota server at q.example.org:4000", "after the file opened");
        assertThat(lines(file)).allSatisfy(j -> {
            assertThat(j.get("run").asText()).isEqualTo("20261204-120000-abcd");
            assertThat(j.get("logger").asText()).isEqualTo("sluice.plugin.quota");
        });
    }

    @Test
    void atMinusVVTheHeldDebugLinesAreWrittenToo() throws Exception {
        Path file = dir.resolve("log.jsonl");
        try (LogFiles.Held held = LogFiles.hold(2)) {
            plugin.debug("pool of {} tokens", 4);
            try (AutoCloseable log = LogFiles.open(file, "r", 2)) {
                assertThat(lines(file)).extracting(j -> j.get("message").asText()).containsExactly("pool of 4 tokens");
            }
        }
    }

    @Test
    void closingWithoutAFileDropsWhatWasHeld() throws Exception {
        try (LogFiles.Held held = LogFiles.hold(0)) {
            plugin.info("held, then dropped");
        }
        Path file = dir.resolve("log.jsonl");
        try (AutoCloseable log = LogFiles.open(file, "r", 0)) {
            plugin.info("the next run's");
        }
        assertThat(lines(file)).extracting(j -> j.get("message").asText()).containsExactly("the next run's");
    }
}
