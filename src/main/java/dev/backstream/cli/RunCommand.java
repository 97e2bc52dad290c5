package dev.backstream.cli;

import dev.backstream.app.BackstreamApp;
import dev.backstream.app.BackstreamConfig;
import dev.backstream.model.ModelCatalog;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code backstream run}: the stream processor, until SIGTERM (or Ctrl-C), which closes it cleanly. */
@Command(name = "run", description = "Run the stream processor: learn from the samples topic, publish predictions and snapshots.",
        mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private ConfigFileOption config;

    @Override
    public Integer call() throws Exception {
        BackstreamConfig settings = config.load();
        KernelReport.noticeIfScalar(spec.commandLine().getErr());
        ModelCatalog catalog = config.catalog(settings);
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
