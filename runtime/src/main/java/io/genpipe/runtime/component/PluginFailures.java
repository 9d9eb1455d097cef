package io.genpipe.runtime.component;

import io.genpipe.runtime.plugin.PluginClassLoader;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** How a failure inside plugin code is told to a person: what was thrown, and where in the plugin. */
public final class PluginFailures {

    private PluginFailures() {}

    /** The throwable's class and message, and the first frame in the plugin's own code. */
    public static String describe(Throwable e) {
        return describe(e, null);
    }

    /**
     * As {@link #describe(Throwable)}; a class missing from the plugin ({@code NoClassDefFoundError},
     * {@code ClassNotFoundException}, here or as a cause) is named, with the jars the plugin's
     * loader {@code pluginLoader} has and where the jar holding it belongs.
     */
    public static String describe(Throwable e, ClassLoader pluginLoader) {
        StringBuilder sb = new StringBuilder(e.getClass().getName());
        if (e.getMessage() != null) {
            sb.append(": ").append(e.getMessage());
        }
        String failedInit = failedInitialiser(e);
        String missing = failedInit == null ? missingClass(e) : null;
        if (failedInit != null) {
            sb.append(" (the static initialiser of ")
                    .append(failedInit)
                    .append(" failed when it was first used; the"
                            + " first failure, earlier in this run or in the log, says why)");
        } else if (missing != null) {
            sb.append(" (class ")
                    .append(missing)
                    .append(" is missing: a plugin sees only its own jars, io.genpipe.api and" + " the JDK")
                    .append(whereToPut(missing, pluginLoader))
                    .append(')');
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            String c = frame.getClassName();
            if (!c.startsWith("java.")
                    && !c.startsWith("jdk.")
                    && !c.startsWith("sun.")
                    && !c.startsWith("io.genpipe.runtime.")) {
                sb.append(" (at ")
                        .append(c)
                        .append('.')
                        .append(frame.getMethodName())
                        .append('(')
                        .append(
                                frame.getFileName() != null
                                        ? frame.getFileName() + ":" + frame.getLineNumber()
                                        : "unknown source")
                        .append("))");
                break;
            }
        }
        return sb.toString();
    }

    /** The class of a "Could not initialize class x.Y" NoClassDefFoundError, or null. */
    static String failedInitialiser(Throwable e) {
        if (e instanceof NoClassDefFoundError
                && e.getMessage() != null
                && e.getMessage().startsWith("Could not initialize class ")) {
            return e.getMessage()
                    .substring("Could not initialize class ".length())
                    .trim();
        }
        return null;
    }

    /** The binary name of the class a NoClassDefFoundError / ClassNotFoundException in {@code e}'s chain names, or null. */
    static String missingClass(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if ((t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) && t.getMessage() != null) {
                String name = t.getMessage().trim();
                int space = name.indexOf(' ');
                return (space > 0 ? name.substring(0, space) : name).replace('/', '.');
            }
        }
        return null;
    }

    private static String whereToPut(String missing, ClassLoader loader) {
        if (!(loader instanceof PluginClassLoader plugin)) {
            return "; bundle the jar that holds it with the plugin";
        }
        List<String> jars = new ArrayList<>();
        for (URL url : plugin.getURLs()) {
            String path = url.getPath();
            jars.add(path.substring(path.lastIndexOf('/') + 1));
        }
        Path entry = plugin.entry();
        if (Files.isDirectory(entry)) {
            return "; put the jar that holds it in the plugin's folder " + entry + "/, beside "
                    + String.join(", ", jars);
        }
        String name = entry.getFileName().toString().replaceFirst("(?i)\\.jar$", "");
        return "; the plugin is the single jar " + entry + ": make it a folder " + entry.resolveSibling(name)
                + "/ holding " + entry.getFileName() + " and the jar that holds " + missing;
    }
}
