package io.github.tokenrefresh4j.sample;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SampleApplicationTest {

    @Test
    void sixtyFourConcurrentCallsMakeOneTokenRequestAndTheEndpointShowsIt() throws Exception {
        String summary = SampleApplication.run(64, "--server.port=0");

        assertThat(summary).contains("calls=64 token_requests=1", "\"name\":\"orders-api\"",
            "\"usableToken\":true", "\"team\":\"orders\"");
    }
}
