package dev.backstream;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The architecture, read from the tree: each layer uses only the layers below it, no package cycle, a numeric core
 * that stands alone, and Kafka Streams' internals in one adapter.
 *
 * <pre>
 *  cli ─────────────────────────► the command line
 *  app, broker ─────────────────► configuration, wiring, start-up checks │ the embedded broker for the demo and tests
 *  http ────────────────────────► the HTTP server and what it serves (GET /metrics)
 *  stream (stream.hook) ────────► the topology, given a TopologySettings value, never the configuration
 *  model ───────────────────────► model definitions and the catalog
 *  message, snapshot, data ─────► formats: samples, predictions, dead letters │ backstream.mlp/v1 │ the digits set
 *  features ────────────────────► feature specs: raw events to input vectors and labels, with their running statistics
 *  json ────────────────────────► the one JSON mapper
 *  nn ──────────────────────────► the numeric core: JDK only
 *  drift ───────────────────────► concept-drift detectors (ADWIN, Page-Hinkley): JDK only, beside nn
 * </pre>
 */
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
    void theDriftDetectorsUseOnlyTheJdk() {
        classes().that().resideInAPackage("dev.backstream.drift..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.backstream.drift..", "java..")
                .because("the drift detectors are numeric code like the core: their state is persisted in a store "
                        + "through their own binary encoding, not through Kafka or Jackson")
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

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("cli").definedBy("dev.backstream.cli..")
                .layer("app").definedBy("dev.backstream.app..")
                .layer("broker").definedBy("dev.backstream.broker..")
                .layer("http").definedBy("dev.backstream.http..")
                .layer("stream").definedBy("dev.backstream.stream..")
                .layer("model").definedBy("dev.backstream.model..")
                .layer("formats").definedBy("dev.backstream.message..", "dev.backstream.snapshot..", "dev.backstream.data..")
                .layer("features").definedBy("dev.backstream.features..")
                .layer("json").definedBy("dev.backstream.json..")
                .layer("nn").definedBy("dev.backstream.nn..")
                .layer("drift").definedBy("dev.backstream.drift..")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .whereLayer("app").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("broker").mayOnlyBeAccessedByLayers("cli")
                .whereLayer("http").mayOnlyBeAccessedByLayers("app", "cli")
                .whereLayer("stream").mayOnlyBeAccessedByLayers("http", "app", "broker", "cli")
                .whereLayer("model").mayOnlyBeAccessedByLayers("stream", "http", "app", "broker", "cli")
                .whereLayer("formats").mayOnlyBeAccessedByLayers("model", "stream", "http", "app", "broker", "cli")
                .whereLayer("features").mayOnlyBeAccessedByLayers("formats", "model", "stream", "http", "app", "broker", "cli")
                .whereLayer("json").mayOnlyBeAccessedByLayers("features", "formats", "model", "stream", "http", "app", "broker", "cli")
                .whereLayer("drift").mayOnlyBeAccessedByLayers("model", "stream", "http", "app", "cli")
                .check(MAIN);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.backstream.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void featureSpecsUseOnlyTheJdkAndJacksonsTreeModel() {
        classes().that().resideInAPackage("dev.backstream.features..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.backstream.features..", "dev.backstream.json..", "java..",
                        "com.fasterxml.jackson..")
                .because("a feature spec is read from a model definition and written into snapshots, but knows nothing of Kafka")
                .check(MAIN);
    }

    @Test
    void formatsDoNotDependOnEachOther() {
        noClasses().that().resideInAPackage("dev.backstream.snapshot..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.backstream.message..", "dev.backstream.data..")
                .check(MAIN);
        noClasses().that().resideInAPackage("dev.backstream.message..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.backstream.snapshot..", "dev.backstream.data..")
                .check(MAIN);
    }
}
