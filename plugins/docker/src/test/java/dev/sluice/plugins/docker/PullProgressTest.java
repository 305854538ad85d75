package dev.sluice.plugins.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.PullResponseItem;
import org.junit.jupiter.api.Test;

/** Pull progress as the live display shows it, from the engine's messages as the API sends them. */
class PullProgressTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static PullResponseItem item(String json) throws Exception {
        return JSON.readValue(json, PullResponseItem.class);
    }

    /** Hands the engine's messages to {@code p} as a pull does: through the engine's callback. */
    private static DockerJavaEngine.PullItems into(PullProgress p) {
        return new DockerJavaEngine.PullItems(new Engine.Pulling() {
            @Override
            public void layer(String id, String status, long current, long total) {
                p.update(id, status, current, total);
            }

            @Override
            public void ended(String failure) {
                // Not part of the progress.
            }
        }, null);
    }

    @Test
    void sumsLayersAsTheyDownload() throws Exception {
        PullProgress progress = new PullProgress("lab/tool:2");
        DockerJavaEngine.PullItems p = into(progress);
        assertThat(progress.describe()).isEqualTo("pulling lab/tool:2");
        p.onNext(item("{\"status\":\"Pulling from lab/tool\",\"id\":\"2\"}"));
        p.onNext(item("{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"aaa\"}"));
        p.onNext(item("{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"bbb\"}"));
        p.onNext(item("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,\"total\":1024},\"id\":\"aaa\"}"));
        p.onNext(item("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":0,\"total\":1024},\"id\":\"bbb\"}"));
        assertThat(progress.describe()).isEqualTo("pulling lab/tool:2: 25% of 2 KB (0/2 layers)");
        p.onNext(item("{\"status\":\"Download complete\",\"progressDetail\":{},\"id\":\"aaa\"}"));
        assertThat(progress.describe()).isEqualTo("pulling lab/tool:2: 50% of 2 KB (1/2 layers)");
        p.onNext(item("{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"bbb\"}"));
        assertThat(progress.describe()).isEqualTo("pulling lab/tool:2: 100% of 2 KB (2/2 layers)");
    }

    @Test
    void layersAlreadyPresentCountAsDone() throws Exception {
        PullProgress progress = new PullProgress("lab/tool:2");
        DockerJavaEngine.PullItems p = into(progress);
        p.onNext(item("{\"status\":\"Already exists\",\"progressDetail\":{},\"id\":\"aaa\"}"));
        p.onNext(item("{\"status\":\"Waiting\",\"progressDetail\":{},\"id\":\"bbb\"}"));
        assertThat(progress.describe()).isEqualTo("pulling lab/tool:2: 50% (1/2 layers)");
    }

    @Test
    void anErrorTheEngineSendsInAMessageEndsThePullFailed() throws Exception {
        String[] ended = new String[1];
        DockerJavaEngine.PullItems p = new DockerJavaEngine.PullItems(new Engine.Pulling() {
            @Override
            public void layer(String id, String status, long current, long total) {
                // Only the end matters here.
            }

            @Override
            public void ended(String failure) {
                ended[0] = failure;
            }
        }, null);
        p.onNext(item("{\"errorDetail\":{\"message\":\"manifest unknown\"},\"error\":\"manifest unknown\"}"));
        p.onComplete();
        assertThat(ended[0]).isEqualTo("manifest unknown");
    }
}
