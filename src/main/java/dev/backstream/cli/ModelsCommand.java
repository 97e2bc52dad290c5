package dev.backstream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backstream.json.Json;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import dev.backstream.model.ModelCatalog;
import dev.backstream.model.ModelDefinition;
import dev.backstream.snapshot.SnapshotJson;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code backstream models}: manages the models of a running application while they learn. Each subcommand but
 * {@code list} writes one command ({@code backstream.command/v1}) to the control topic, keyed by the model id, and
 * prints its outcome, the model event with the command's id: exit code 0 when applied, 1 when rejected, 2 when the
 * command could not be sent or no outcome arrived in time.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Manage the models of a running application while they learn: create, update, reset, roll back, pause, resume, "
                + "delete, promote a challenger, list.",
        subcommands = {ModelsCommand.Create.class, ModelsCommand.Update.class, ModelsCommand.Reset.class, ModelsCommand.Rollback.class,
                ModelsCommand.Pause.class, ModelsCommand.Resume.class, ModelsCommand.Delete.class, ModelsCommand.Promote.class,
                ModelsListCommand.class})
final class ModelsCommand implements Callable<Integer> {
    /** Exit code of a command the application applied. */
    static final int APPLIED = 0;
    /** Exit code of a command the application rejected. */
    static final int REJECTED = 1;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: a subcommand is required (usage: " + spec.qualifiedName() + " --help)");
        err.flush();
        return CommandException.CANNOT_START;
    }

    /** A subcommand that writes one command and prints its outcome. */
    abstract static class Writing implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        ControlOptions control;

        /**
         * The command to send, with {@code id}; every option and input file is checked here, before anything is sent.
         *
         * @throws CommandException or {@link CommandLine.ParameterException} naming the option and the problem
         */
        abstract ModelCommand command(String id) throws IOException;

        @Override
        public Integer call() throws Exception {
            ModelCommand command = command("cli-" + UUID.randomUUID());
            ControlClient client = new ControlClient(control);
            PrintWriter out = spec.commandLine().getOut();
            if (control.noWait) {
                client.send(command);
                out.println("sent " + command.name() + " command " + command.id() + " for model " + command.model() + " to "
                        + control.controlTopic + " (not waiting for its outcome)");
                out.flush();
                return APPLIED;
            }
            ControlClient.Outcome outcome = client.sendAndAwait(command);
            if (outcome == null) {
                throw new CommandException(client.timeoutMessage(command));
            }
            out.println(control.json ? new String(outcome.json(), StandardCharsets.UTF_8) : EventLine.of(outcome.event()));
            out.flush();
            return ModelEvent.REJECTED.equals(outcome.event().event()) ? REJECTED : APPLIED;
        }

        /** {@code model}, the ID parameter, which must not be empty. */
        String modelId(String model) {
            return nonEmpty(model, "the model ID");
        }

        /** @param what names the parameter or option that gave {@code model} */
        String nonEmpty(String model, String what) {
            if (model.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), what + " is empty; expected a model id");
            }
            return model;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a model from a definition file (the format of config/models/*.json).")
    static final class Create extends Writing {
        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The model definition (backstream.mlp/v1 JSON, optionally with \"features\"; or a v2 snapshot).")
        Path file;

        @Option(names = "--model", paramLabel = "ID", description = "The model id, replacing the definition's modelId (default: its modelId).")
        String model;

        @Override
        ModelCommand command(String id) throws IOException {
            ObjectNode definition = jsonObject("--file", file);
            if (model != null) {
                definition.put("modelId", nonEmpty(model, "--model"));
            }
            JsonNode modelId = definition.get("modelId");
            if (modelId == null || !modelId.isTextual() || modelId.asText().isEmpty()) {
                throw new CommandException("--file " + file + ": the definition has no \"modelId\"; give one, or --model ID");
            }
            byte[] bytes = Json.MAPPER.writeValueAsBytes(definition);
            try {
                ModelCatalog.loadDefinition(bytes, null, "--file " + file, 1);
            } catch (IllegalArgumentException e) {
                throw new CommandException(e.getMessage());
            }
            return new ModelCommand.Create(id, modelId.asText(), bytes);
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Change a model's learning rate or snapshot cadence; its weights and optimizer state are kept.")
    static final class Update extends Writing {
        @Parameters(index = "0", paramLabel = "ID", description = "The model.")
        String model;

        @Option(names = "--learning-rate", paramLabel = "X", description = "The new learning rate (> 0).")
        Double learningRate;

        @Option(names = "--snapshot-every-updates", paramLabel = "N", description = "Publish a snapshot every N updates (>= 1).")
        Long snapshotEveryUpdates;

        @Override
        ModelCommand command(String id) {
            if (learningRate == null && snapshotEveryUpdates == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "nothing to update: give --learning-rate or --snapshot-every-updates");
            }
            if (learningRate != null && !(learningRate > 0 && Double.isFinite(learningRate))) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--learning-rate is " + learningRate + "; expected a finite number > 0");
            }
            if (snapshotEveryUpdates != null && snapshotEveryUpdates < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--snapshot-every-updates is " + snapshotEveryUpdates + "; expected >= 1");
            }
            return new ModelCommand.Update(id, modelId(model), learningRate, snapshotEveryUpdates);
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = "Start a model again from its definition's initial state, or from a fresh initialization with --seed.")
    static final class Reset extends Writing {
        @Parameters(index = "0", paramLabel = "ID", description = "The model.")
        String model;

        @Option(names = "--seed", paramLabel = "N", description = "Initialize the weights afresh with this seed.")
        Long seed;

        @Override
        ModelCommand command(String id) {
            return new ModelCommand.Reset(id, modelId(model), seed);
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Put a model back to one of its retained snapshots (--to-updates) or to a snapshot file (--snapshot).")
    static final class Rollback extends Writing {
        @Parameters(index = "0", paramLabel = "ID", description = "The model.")
        String model;

        @CommandLine.ArgGroup(multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--to-updates", required = true, paramLabel = "N", description = "The update count of a retained snapshot.")
            Long toUpdates;

            @Option(names = "--snapshot", required = true, paramLabel = "FILE", description = "A snapshot file (backstream.mlp/v1 or v2 JSON).")
            Path snapshot;
        }

        @Override
        ModelCommand command(String id) throws IOException {
            if (target.toUpdates != null) {
                if (target.toUpdates < 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--to-updates is " + target.toUpdates + "; expected >= 0");
                }
                return new ModelCommand.Rollback(id, modelId(model), target.toUpdates, null);
            }
            ObjectNode snapshot = jsonObject("--snapshot", target.snapshot);
            try {
                SnapshotJson.read(snapshot.deepCopy());
            } catch (IllegalArgumentException e) {
                throw new CommandException("--snapshot " + target.snapshot + ": " + e.getMessage());
            }
            return new ModelCommand.Rollback(id, modelId(model), null, Json.MAPPER.writeValueAsBytes(snapshot));
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Stop a model learning; it goes on scoring.")
    static final class Pause extends Writing {
        @Parameters(index = "0", paramLabel = "ID", description = "The model.")
        String model;

        @Override
        ModelCommand command(String id) {
            return new ModelCommand.Pause(id, modelId(model));
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let a paused model learn again from the next sample.")
    static final class Resume extends Writing {
        @Parameters(index = "0", paramLabel = "ID", description = "The model.")
        String model;

        @Override
        ModelCommand command(String id) {
            return new ModelCommand.Resume(id, modelId(model));
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a model and all its state; its id is free again.")
    static final class Delete extends Writing {
        @Parameters(index = "0", paramLabel = "ID", description = "The model.")
        String model;

        @Override
        ModelCommand command(String id) {
            return new ModelCommand.Delete(id, modelId(model));
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Make one of a model's challengers the model (it answers score requests from then on); the model becomes that challenger.")
    static final class Promote extends Writing {
        @Parameters(index = "0", paramLabel = "ID", description = "The model (the champion).")
        String model;

        @Option(names = "--challenger", required = true, paramLabel = "NAME", description = "The challenger's name in the model's definition.")
        String challenger;

        @Override
        ModelCommand command(String id) {
            if (!ModelDefinition.CHALLENGER_NAME.matcher(challenger).matches()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--challenger is \"" + challenger
                        + "\"; expected a challenger name (letters, digits, '_', '.' and '-')");
            }
            return new ModelCommand.Promote(id, modelId(model), challenger);
        }
    }

    /**
     * The JSON object in {@code file}.
     *
     * @throws CommandException naming {@code option}, the file and the problem (missing, unreadable, not a JSON object)
     */
    static ObjectNode jsonObject(String option, Path file) throws IOException {
        InputFiles.readable(option, file);
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new CommandException(option + " " + file + ": not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        if (!(json instanceof ObjectNode object)) {
            throw new CommandException(option + " " + file + ": expected a JSON object, found " + (json == null ? "nothing" : json.getNodeType()));
        }
        return object;
    }
}
