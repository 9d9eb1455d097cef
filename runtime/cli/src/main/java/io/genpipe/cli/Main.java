package io.genpipe.cli;

import io.genpipe.api.ApiVersion;
import io.genpipe.api.GenpipeException;
import io.genpipe.runtime.BuildInfo;
import io.genpipe.runtime.Pipeline;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code genpipe} command. */
@Command(
        name = "genpipe",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Runs generative models exported to ONNX and chains them with pipeline files.",
        subcommands = {
            PipelineCommands.Run.class,
            PipelineCommands.Validate.class,
            DoctorCommand.class,
            PluginsCommand.class,
            ServeCommand.class,
            MergeCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {"", "Exit codes: 0 ok, 1 a check or run failed, 2 invalid input."})
public final class Main implements Runnable {

    /** Exit code for a failed check or run. */
    public static final int FAILED = 1;
    /** Exit code for invalid input: unknown options, unreadable files. */
    public static final int INVALID_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static volatile boolean debugOption;

    /** {@code --debug}, accepted by every command. */
    @CommandLine.Option(
            names = "--debug",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Print the whole stack trace of a failure (also: GENPIPE_DEBUG=1).")
    void debug(boolean on) {
        debugOption = on;
    }

    /** Whether --debug or GENPIPE_DEBUG=1 asks for whole stack traces. */
    static boolean debug() {
        return debugOption || "1".equals(System.getenv("GENPIPE_DEBUG"));
    }

    /** Set when genpipe itself ends the JVM; any other System.exit comes from plugin code. */
    static volatile boolean exiting;

    /** The pipeline being run, for the exit guard. */
    static volatile Pipeline active;

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(Main::guardExit, "genpipe-exit-guard"));
        int code = run(args);
        exit(code);
    }

    /** Ends the JVM with {@code code}, as genpipe (not a plugin). */
    static void exit(int code) {
        exiting = true;
        System.exit(code);
    }

    /**
     * A System.exit that genpipe did not call (a plugin's, say with status 0) must never look like
     * success: the run's temporary folder is removed and the JVM halts with status 1.
     */
    private static void guardExit() {
        if (exiting) {
            return;
        }
        String caller = exitCaller();
        if (caller == null) {
            return; // no System.exit at all: a signal (outside a run) or the JVM ending by itself
        }
        System.err.println("genpipe: " + caller + " called System.exit while genpipe was running; plugin code may not "
                + "end"
                + " genpipe: the run is stopped and nothing was written");
        System.err.flush();
        Pipeline p = active;
        if (p != null) {
            p.cancel();
            try {
                p.awaitCleanup(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Runtime.getRuntime().halt(FAILED);
    }

    /** The frame that called System.exit (or Runtime.exit), with its plugin when it has one. */
    private static String exitCaller() {
        for (Map.Entry<Thread, StackTraceElement[]> e :
                Thread.getAllStackTraces().entrySet()) {
            StackTraceElement[] frames = e.getValue();
            for (int i = 0; i + 1 < frames.length; i++) {
                boolean exit = frames[i].getMethodName().equals("exit")
                        && (frames[i].getClassName().equals("java.lang.System")
                                || frames[i].getClassName().equals("java.lang.Runtime"));
                if (exit && !frames[i + 1].getClassName().startsWith("java.lang.")) {
                    StackTraceElement caller = frames[i + 1];
                    String loader = caller.getClassLoaderName();
                    String plugin = loader != null && loader.startsWith("genpipe-plugin-")
                            ? "plugin '" + loader.substring("genpipe-plugin-".length()) + "'"
                            : "code";
                    return plugin + " (" + caller.getClassName() + "." + caller.getMethodName() + ", thread "
                            + e.getKey().getName() + ")";
                }
            }
        }
        return null;
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
            command.getErr()
                    .println("genpipe: "
                            + (e instanceof GenpipeException
                                    ? e.getMessage()
                                    : "internal error: " + e + " (--debug prints the stack trace; please report it)"));
            if (debug()) {
                e.printStackTrace(command.getErr());
            }
            return FAILED;
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
            return new String[] {"genpipe " + build.version() + " (api " + ApiVersion.CURRENT + ")"};
        }
    }
}
