package io.github.tokenrefresh4j.redis.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FleetKeysTest {

    @Test
    void everyKeyOfACredentialSharesOneHashTagSoItLivesInOneClusterSlot() {
        FleetKeys keys = new FleetKeys("tokens:orders-api");

        assertThat(keys.token()).isEqualTo("{tokens:orders-api}");
        assertThat(keys.lock()).isEqualTo("{tokens:orders-api}:lock");
        assertThat(keys.failure()).isEqualTo("{tokens:orders-api}:failure");
        assertThat(keys.events()).isEqualTo("{tokens:orders-api}:events");
        assertThat(keys.name()).isEqualTo("tokens:orders-api");
    }

    @Test
    void aKeyWithItsOwnHashTagIsUsedAsItIs() {
        FleetKeys keys = new FleetKeys("app:{orders}:token");

        assertThat(keys.token()).isEqualTo("app:{orders}:token");
        assertThat(keys.lock()).isEqualTo("app:{orders}:token:lock");
    }

    @Test
    void emptyBracesAreNoHashTag() {
        // Redis hashes the whole name when the braces hold nothing: such a name gets a tag of its own
        assertThat(new FleetKeys("tokens:{}").token()).isEqualTo("{tokens:{}}");
    }
}
