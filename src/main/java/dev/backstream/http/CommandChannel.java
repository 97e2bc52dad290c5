package dev.backstream.http;

import dev.backstream.message.ModelCommand;

import java.util.concurrent.CompletableFuture;

/**
 * Where the write endpoints send model commands: the application writes each to the control topic and completes the
 * future with the JSON of the model event that carries the command's id ({@code backstream.model-event/v1}), read from
 * the model-events topic. Tests may implement it directly.
 */
public interface CommandChannel {
    /**
     * Writes {@code command} (which has an id) to the control topic, keyed by its model.
     *
     * @return the model event of the command, as published; completes exceptionally if the command could not be
     * written; never completes if its event never comes (the caller times out)
     * @throws IllegalStateException if the channel is not open yet (the application is starting)
     */
    CompletableFuture<byte[]> send(ModelCommand command);
}
