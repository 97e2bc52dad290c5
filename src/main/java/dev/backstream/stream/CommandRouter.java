package dev.backstream.stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backstream.json.Json;
import dev.backstream.message.InvalidMessageException;
import dev.backstream.message.ModelCommand;
import dev.backstream.message.ModelEvent;
import dev.backstream.message.SourceRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Stateless first stage of the control topic: parses each command and sends it, keyed by its model id, to the task that
 * owns the model; a record that is not a readable command becomes a {@code rejected} model event with its reason code
 * (and whatever model and command id could be read from it).
 */
final class CommandRouter implements Processor<byte[], byte[], byte[], Routed> {
    private final int maxRecordBytes;
    private ProcessorContext<byte[], Routed> context;

    CommandRouter(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        SourceRecord source = SampleRouter.source(context, record.timestamp());
        byte[] value = record.value();
        try {
            SampleRouter.requireAtMost(value, maxRecordBytes, "command");
            ModelCommand command = ModelCommand.parse(value);
            byte[] modelKey = command.model().getBytes(StandardCharsets.UTF_8);
            context.forward(record.withKey(modelKey).withValue(new Routed.Accepted(RoutedSample.command(command, record.key(), value, source),
                    Arrays.equals(record.key(), modelKey))));
        } catch (InvalidMessageException e) {
            String[] readable = readable(value);
            ModelEvent event = ModelEvent.rejected(null, readable[1], readable[0], e.reason(), e.getMessage(), null, source);
            byte[] key = readable[0] != null ? readable[0].getBytes(StandardCharsets.UTF_8) : record.key();
            context.forward(record.withKey(key).withValue(new Routed.RejectedCommand(event.toJson())));
        }
    }

    /** The {@code model} and {@code id} of a command that could not be parsed, where they can be read; else nulls. */
    private static String[] readable(byte[] value) {
        if (value == null || value.length > 1_048_576) {
            return new String[2];
        }
        try {
            JsonNode root = Json.MAPPER.readTree(value);
            return new String[] {text(root, "model"), text(root, "id")};
        } catch (IOException | RuntimeException e) {
            return new String[2];
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root == null ? null : root.get(field);
        return node != null && node.isTextual() ? node.asText() : null;
    }
}
