package io.genpipe.spark;

import java.io.Serializable;

/**
 * One row as Spark moves it: its key (order) and its encoded metadata and tensors ({@link RowCodec}).
 *
 * @param key where it stands in the row order
 * @param data {@link RowCodec#encode} of its metadata and columns
 */
public record SparkRow(RowKey key, byte[] data) implements Serializable {}
