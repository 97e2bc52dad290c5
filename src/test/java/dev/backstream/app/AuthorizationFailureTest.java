package dev.backstream.app;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@DisplayName("A stream thread's authorization failure, explained")
class AuthorizationFailureTest {
    private final BackstreamConfig config = new BackstreamConfig(Map.of("application.id", "shop-learner"), null);

    private String explained(Throwable failure) {
        Throwable explanation = BackstreamApp.explainAuthorizationFailure(failure, config);
        assertSame(failure, explanation.getCause(), "the original is kept as the cause");
        return explanation.getMessage();
    }

    @Test
    void aTransactionalIdFailureNamesThePrefixKafkaLeavesOut() {
        String message = explained(new StreamsException("Error encountered trying to initialize transactions",
                new KafkaException("Cannot execute transactional method because we are in an error state",
                        new TransactionalIdAuthorizationException("Transactional Id authorization failed."))));
        assertTrue(message.contains("WRITE on transactional ids prefixed shop-learner-"), message);
    }

    @Test
    void aTopicFailureNamesTheTopicsAndWhetherTheyAreInternal() {
        String internal = explained(new StreamsException(new TopicAuthorizationException(Set.of("shop-learner-models-changelog"))));
        assertTrue(internal.contains("[shop-learner-models-changelog]") && internal.contains("prefixed shop-learner-"), internal);
        String creation = explained(new StreamsException("Could not create topic shop-learner-samples-by-model-repartition.",
                new TopicAuthorizationException("Authorization failed.")));
        assertTrue(creation.contains("Could not create topic shop-learner-samples-by-model-repartition."), creation);
    }

    @Test
    void aGroupFailureNamesTheGroup() {
        String message = explained(new StreamsException(new GroupAuthorizationException("Not authorized to access group: shop-learner", "shop-learner")));
        assertTrue(message.contains("READ on group shop-learner"), message);
    }

    @Test
    void anyOtherFailureIsLeftAsItIs() {
        IllegalStateException other = new IllegalStateException("disk full");
        assertSame(other, BackstreamApp.explainAuthorizationFailure(other, config));
    }
}
