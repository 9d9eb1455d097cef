package io.genpipe.cli;

import io.genpipe.runtime.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code genpipe} command. */
@Command(name = "genpipe", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs generative models exported to ONNX and chains them with pipeline files.",
        subcommands = {PipelineCommands.Run.class, PipelineCommands.Validate.class, DoctorCommand.class,
            PluginsCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 a check or run failed, 2 invalid input."})
public final class Main implements Runnable {

    /** Exit code for a failed check or run. */
    public static final int FAILED = 1;
    /** Exit code for invalid input: unknown options, unreadable files. */
    public static final int INVALID_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and embedding). */
    public static int run(String... args) {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "genpipe: %4$s: %5$s%6$s%n");
        }
        CommandLine cli = new CommandLine(new Main());
        cli.setExitCodeExceptionMapper(e -> INVALID_INPUT);
        cli.setParameterExceptionHandler((e, a) -> {
            CommandLine command = e.getCommandLine();
            command.getErr().println("genpipe: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, command.getErr());
            command.getErr().println("Run '" + command.getCommandSpec().qualifiedName() + " --help' for usage.");
            return INVALID_INPUT;
        });
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr().println("genpipe: " + e.getMessage());
            return e instanceof io.genpipe.api.GenpipeException ? FAILED : FAILED;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code genpipe --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo build = BuildInfo.current();
            return new String[] {"genpipe " + build.version() + " (api " + io.genpipe.api.ApiVersion.CURRENT + ")"};
        }
    }
}
