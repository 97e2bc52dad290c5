/**
 * Feature specs: how a model turns a raw event (named JSON fields) into its input vector and its label, and the
 * preprocessing state (running means and variances) that is part of the model. Depends on the JDK and Jackson's tree
 * model only; the formats ({@code snapshot}), the catalog ({@code model}) and the topology ({@code stream}) use it.
 */
package dev.backstream.features;
