package dev.sluice.host.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A listener whose output fails is left out, and the others, and the run, go on. */
class ListenersTest {
    @Test
    void aFailingListenerIsLeftOutAndTheOthersGoOn() {
        List<String> heard = new ArrayList<>();
        int[] calls = new int[1];
        RunListener full = new RunListener() {
            @Override
            public void tick() {
                calls[0]++;
                throw new UncheckedIOException("cannot write the event log /w/events.jsonl",
                        new IOException("No space left on device"));
            }
        };
        RunListener display = new RunListener() {
            @Override
            public void tick() {
                heard.add("tick");
            }
        };
        RunListener both = RunListener.of(List.of(full, display));

        both.tick();
        both.tick();

        assertThat(heard).as("the one after the failing one still hears every call").containsExactly("tick", "tick");
        assertThat(calls[0]).as("the failing one is not called again").isEqualTo(1);
    }

    @Test
    void theLoopsEndReachesEachListenerAsItself() {
        List<String> heard = new ArrayList<>();
        RunListener batched = new RunListener() {
            @Override
            public void tick() {
                heard.add("tick");
            }

            @Override
            public void loopEnded() {
                heard.add("loopEnded");
            }
        };
        RunListener plain = new RunListener() {
            @Override
            public void tick() {
                heard.add("plain tick");
            }
        };
        RunListener.of(List.of(batched, plain)).loopEnded();
        assertThat(heard).as("a listener that writes in batches writes them all; the others get a last tick")
                .containsExactly("loopEnded", "plain tick");
    }
}
