package io.genpipe.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an executor needs to rebuild the driver's validated pipeline: the file (read at the same path
 * on every node), the overrides, the runtime's settings, and the sha256 of the file and of every model
 * the driver loaded, which the executor's copy must match.
 *
 * @param file the pipeline file, absolute
 * @param sets overrides as {@code --set} takes them, in order
 * @param seed the seed override, or null for the file's
 * @param device the device override, or null for the file's
 * @param pluginFiles the files of the plugins folder, relative to it, each shipped with {@code SparkContext.addFile}
 * @param classPathPlugins whether plugins on the class path (the families the CLI ships) are found
 * @param intraOpThreads ONNX Runtime intra-op threads per session: spark.task.cpus
 * @param pipelineSha256 the file's sha256 as the driver read it
 * @param models model name to sha256, as the driver loaded them
 */
public record JobSpec(
        String file,
        List<String> sets,
        Long seed,
        String device,
        List<String> pluginFiles,
        boolean classPathPlugins,
        int intraOpThreads,
        String pipelineSha256,
        Map<String, String> models)
        implements Serializable {

    public JobSpec {
        sets = List.copyOf(sets);
        pluginFiles = List.copyOf(pluginFiles);
        models = Map.copyOf(models);
    }

    /** What one executor runtime (plugins, threads) is shared by. */
    String runtimeKey() {
        return pluginFiles + "|" + classPathPlugins + "|" + intraOpThreads;
    }

    /** What one rebuilt plan is shared by. */
    String planKey() {
        return runtimeKey() + "|" + file + "|" + sets + "|" + seed + "|" + device + "|" + pipelineSha256 + "|"
                + new TreeMap<>(models);
    }
}
