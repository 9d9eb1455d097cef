package io.genpipe.runtime.component;

/** How a failure inside plugin code is told to a person: what was thrown, and where in the plugin. */
public final class PluginFailures {

    private PluginFailures() {
    }

    /** The throwable's class and message, and the first frame in the plugin's own code. */
    public static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getName());
        if (e.getMessage() != null) {
            sb.append(": ").append(e.getMessage());
        }
        if (e instanceof NoClassDefFoundError) {
            sb.append(" (a class the plugin needs is missing: put the jar that holds it in the plugin's folder, beside"
                    + " the plugin's jar)");
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            String c = frame.getClassName();
            if (!c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.") && !c.startsWith("io.genpipe.runtime.")) {
                sb.append(" (at ").append(c).append('.').append(frame.getMethodName()).append('(')
                        .append(frame.getFileName() != null ? frame.getFileName() + ":" + frame.getLineNumber() : "unknown source")
                        .append("))");
                break;
            }
        }
        return sb.toString();
    }
}
