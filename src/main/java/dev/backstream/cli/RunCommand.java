package dev.backstream.cli;

import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code backstream run}: the stream processor, until SIGTERM (or Ctrl-C), which closes it cleanly. */
@Command(name = "run", description = "Run the stream processor: learn from the samples topic, publish predictions and snapshots.",
        mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The properties file, e.g. config/backstream.properties.")
    private Path config;

    @Override
    public Integer call() throws Exception {
        InputFiles.readable("--config", config);
        BackstreamConfig settings;
        ModelCatalog catalog;
        try {
            settings = BackstreamConfig.load(config, System.getenv());
            catalog = ModelCatalog.load(settings.modelsDir(), settings.snapshotEveryUpdates());
        } catch (ConfigException | IllegalArgumentException e) {
            throw new CommandException(config + ": " + e.getMessage());
        }
        BackstreamApp app = new BackstreamApp(settings, catalog);
        try {
            app.start();
        } catch (IllegalStateException e) {
            app.close();
            throw new CommandException(e.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "backstream-shutdown"));
        boolean failed = app.awaitStop();
        app.failure().ifPresent(failure -> spec.commandLine().getErr().println("error: " + failure.getMessage()));
        return failed ? 1 : 0;
    }
}
