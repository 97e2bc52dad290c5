package dev.backstream.it;

import dev.backstream.broker.EmbeddedKafka;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One real embedded KRaft broker per integration-test class (test classes run one after another). */
abstract class WithEmbeddedBroker {
    static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }
}
