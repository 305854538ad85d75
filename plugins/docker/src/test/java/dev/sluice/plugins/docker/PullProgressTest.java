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

    @Test
    void sumsLayersAsTheyDownload() throws Exception {
        PullProgress p = new PullProgress("lab/tool:2");
        assertThat(p.describe()).isEqualTo("pulling lab/tool:2");
        p.update(item("{\"status\":\"Pulling from lab/tool\",\"id\":\"2\"}"));
        p.update(item("{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"aaa\"}"));
        p.update(item("{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"bbb\"}"));
        p.update(item("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,\"total\":1024},\"id\":\"aaa\"}"));
        p.update(item("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":0,\"total\":1024},\"id\":\"bbb\"}"));
        assertThat(p.describe()).isEqualTo("pulling lab/tool:2: 25% of 2 KB (0/2 layers)");
        p.update(item("{\"status\":\"Download complete\",\"progressDetail\":{},\"id\":\"aaa\"}"));
        assertThat(p.describe()).isEqualTo("pulling lab/tool:2: 50% of 2 KB (1/2 layers)");
        p.update(item("{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"bbb\"}"));
        assertThat(p.describe()).isEqualTo("pulling lab/tool:2: 100% of 2 KB (2/2 layers)");
    }

    @Test
    void layersAlreadyPresentCountAsDone() throws Exception {
        PullProgress p = new PullProgress("lab/tool:2");
        p.update(item("{\"status\":\"Already exists\",\"progressDetail\":{},\"id\":\"aaa\"}"));
        p.update(item("{\"status\":\"Waiting\",\"progressDetail\":{},\"id\":\"bbb\"}"));
        assertThat(p.describe()).isEqualTo("pulling lab/tool:2: 50% (1/2 layers)");
    }
}
