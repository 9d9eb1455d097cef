package io.genpipe.cli;

/** Whether the command talks to a person at a terminal (status line, streamed text) or to a pipe. */
final class Terminal {

    private Terminal() {}

    /**
     * True when standard input and output are a terminal. genpipe targets Java 17, where {@code System.console()}
     * is null exactly when they are not.
     */
    @SuppressWarnings("SystemConsoleNull")
    static boolean attached() {
        return System.console() != null;
    }
}
