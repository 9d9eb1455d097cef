package io.genpipe.runtime.step;

import java.io.Serializable;
import java.util.List;

/**
 * A source whose rows come in shards: one file, or a range of a file's records, each read on its own. The shards
 * are listed once (on the driver, on Spark) and each may be read anywhere the step was rebuilt from the same file;
 * a shard's rows, and their ids, do not depend on which other shards are read where, so reading every shard in
 * order gives the rows {@link Step#run} emits.
 */
public interface ShardedSource {

    /**
     * The shards, in row order.
     *
     * @param splits how many shards the runner would like (a hint: a source that can read ranges of a file cuts
     *     its records into about this many; one that reads whole files gives one shard per file); the rows and
     *     their ids do not depend on it
     */
    List<Shard> shards(int splits);

    /**
     * Emits one shard's rows, in order, in batches of at most the context's batch size.
     *
     * @throws Exception naming the file (and line) when its contents are not what the step reads
     */
    void read(Shard shard, BatchOutput output, StepContext context) throws Exception;

    /**
     * One shard.
     *
     * @param index its place among the source's shards
     * @param location the file it reads (a path or a URI)
     * @param first the first record it reads (0 for a whole file)
     * @param count how many records it reads ({@code -1}: to the end of the file)
     */
    record Shard(int index, String location, long first, long count) implements Serializable {}
}
