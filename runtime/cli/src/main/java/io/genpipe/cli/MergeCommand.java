package io.genpipe.cli;

import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.io.PartFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code genpipe merge OUT}: a Spark run's files written in parts, as the single files the local runner writes. */
@Command(
        name = "merge",
        mixinStandardHelpOptions = true,
        header = "Joins the parts of a Spark run's files into single files (exit 0 ok, 2 not a finished run).",
        description = {
            "A run on Spark with a Hadoop output (hdfs://, s3a://) writes each JSON-lines, CSV and text sink as a"
                    + " folder of part files, one per partition, listed with their rows and sha256 in the folder's"
                    + " _SUCCESS manifest. Copy the folder here (hdfs dfs -get OUT), then merge: each part is checked"
                    + " against the manifest and the parts, in order, become the file the local runner writes."
        })
final class MergeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "OUT", description = "a run's output folder, copied to this machine")
    Path folder;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try {
            List<String> merged = PartFiles.merge(folder);
            for (String f : merged) {
                spec.commandLine().getOut().println("merged " + folder.resolve(f));
            }
            if (merged.isEmpty()) {
                spec.commandLine().getOut().println(folder + ": nothing to merge (every file is whole)");
            }
            return 0;
        } catch (GenpipeException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return Main.INVALID_INPUT;
        }
    }
}
