package io.genpipe.cli;

import io.genpipe.runtime.Genpipe;
import io.genpipe.runtime.pipeline.PipelineException;
import io.genpipe.runtime.pipeline.PipelineReader;
import io.genpipe.serve.GenpipeServer;
import io.genpipe.serve.ServeConfig;
import io.genpipe.serve.ServeConfigReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code genpipe serve CONFIG.yaml}: the config's models over HTTP until Ctrl-C / SIGTERM. */
@Command(
        header = "Serves components and pipeline files over HTTP and gRPC (KServe v2), with a playground.",
        name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Serves the components a serve config names over HTTP (KServe v2 / Open Inference Protocol: "
                    + "/v2/health/live, /v2/health/ready, /v2/models, /v2/models/NAME, POST "
                    + "/v2/models/NAME/infer; text generators POST /v2/models/NAME/generate and generate_stream, "
                    + "Server-Sent Events) and gRPC (inference.GRPCInferenceService, ModelStreamInfer for text) "
                    + "with dynamic batching per model, Prometheus metrics at /metrics and a playground page at /. Binds 127.0.0.1 unless --host says otherwise. Ctrl-C / SIGTERM: "
                    + "stops taking requests, answers those in flight, exits 0. See docs/SERVING.md."
        })
final class ServeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CONFIG", description = "the serve config (YAML)")
    Path file;

    @Option(names = "--host", description = "address to bind (default: the config's host:, else 127.0.0.1)")
    String host;

    @Option(names = "--port", description = "port (default: the config's port:, else 8080; 0: any free port)")
    Integer port;

    @Option(
            names = "--grpc-port",
            description = "gRPC port (default: the config's grpcPort:, else the HTTP port + 1; 0: any free port;"
                    + " -1: no gRPC)")
    Integer grpcPort;

    @Mixin
    PluginOptions plugins;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ServeConfig config;
        try {
            config = new ServeConfigReader().read(file);
            if (port != null && (port < 0 || port > 65535)) {
                err.printf("genpipe: --port %d: must be from 0 to 65535%n", port);
                err.flush();
                return Main.INVALID_INPUT;
            }
            if (grpcPort != null && (grpcPort < -1 || grpcPort > 65535)) {
                err.printf("genpipe: --grpc-port %d: must be from 0 to 65535, or -1 for no gRPC%n", grpcPort);
                err.flush();
                return Main.INVALID_INPUT;
            }
            config = config.at(
                    host != null ? host : config.host(),
                    port != null ? port : config.port(),
                    grpcPort != null ? grpcPort : config.grpcPort());
        } catch (PipelineException e) {
            return invalid(e, err);
        }
        Genpipe.Builder builder = Genpipe.builder()
                .pluginsDir(plugins.resolve())
                .sharedThreads(config.threads())
                .device(config.device())
                .onMissingDevice(config.onMissingDevice())
                .baseDir(config.file().getParent());
        // the plugins folders the served pipeline files name (plugins:), as genpipe run loads them
        for (ServeConfig.ModelConfig model : config.models()) {
            if (model.pipeline() != null) {
                try {
                    new PipelineReader()
                                    .readAll(config.file()
                                            .getParent()
                                            .resolve(model.pipeline().file()))
                                    .definition()
                                    .plugins()
                                    .stream()
                                    .filter(Files::isDirectory)
                                    .forEach(builder::addPluginsDir);
                } catch (RuntimeException e) {
                    // an unreadable pipeline file is reported when the server validates it
                }
            }
        }
        Genpipe genpipe = builder.build();
        GenpipeServer server;
        try {
            server = GenpipeServer.start(config, genpipe);
        } catch (PipelineException e) {
            genpipe.close();
            return invalid(e, err);
        } catch (RuntimeException e) {
            genpipe.close();
            err.printf("genpipe: cannot serve on %s:%d: %s%n", config.host(), config.port(), e.getMessage());
            err.flush();
            return Main.FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // a drain that takes longer than Signals.GIVE_UP ends with the JVM halted: the server stops within a bound
        Signals signals = Signals.install(
                () -> {
                    stopped.countDown();
                    return true;
                },
                () -> {});
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                "genpipe serve: listening on http://%s:%d%s (%s)%n",
                config.host(),
                server.port(),
                server.grpcPort() < 0 ? "" : " and gRPC " + config.host() + ":" + server.grpcPort(),
                String.join(
                        ", ",
                        config.models().stream()
                                .map(m -> m.name() + " = " + m.use())
                                .toList()));
        out.flush();
        try {
            stopped.await();
            out.println("genpipe serve: stopping (answering requests in flight)");
            out.flush();
        } finally {
            server.close();
            if (server.drained()) {
                genpipe.close();
            } else {
                // a model still runs native code past the drain: its runtime is left to the process's end
                out.println("genpipe serve: stopped requests still running after " + GenpipeServer.DRAIN_S + " s");
                out.flush();
            }
            signals.uninstall();
        }
        return 0;
    }

    private int invalid(PipelineException e, PrintWriter err) {
        err.printf(
                "genpipe: %s is invalid (%d problem%s); nothing was served%n",
                file, e.problems().size(), e.problems().size() == 1 ? "" : "s");
        e.problems().forEach(p -> err.println("  " + p));
        err.flush();
        return Main.INVALID_INPUT;
    }
}
