package dev.backstream;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** Package rules that keep the numeric core standalone and Kafka Streams' internals in one adapter. */
class PackageDependencyTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.backstream");

    @Test
    void theNumericCoreUsesOnlyTheJdk() {
        classes().that().resideInAPackage("dev.backstream.nn..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.backstream.nn..", "java..", "javax.management..", "jdk.incubator.vector..")
                .because("the numeric core imports nothing from Kafka, Jackson or the rest of the application (the JDK's Vector API is "
                        + "optional; the JDK's management API places the compiler directive that keeps its kernels out of line)")
                .check(MAIN);
    }

    @Test
    void messagesAndSnapshotsDoNotDependOnKafkaStreams() {
        noClasses().that().resideInAnyPackage("dev.backstream.message..", "dev.backstream.snapshot..", "dev.backstream.data..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka.streams..")
                .check(MAIN);
    }

    @Test
    void onlyTheCommitHookAdapterUsesKafkaStreamsInternals() {
        noClasses().that().resideOutsideOfPackage("dev.backstream.stream.hook..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka.streams..internals..")
                .because("Kafka Streams' internals may change with any upgrade; CommitHookStore documents what it relies on")
                .check(MAIN);
    }
}
