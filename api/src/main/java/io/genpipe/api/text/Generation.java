package io.genpipe.api.text;

/**
 * One row's result.
 *
 * @param tokens the generated ids, without the end-of-text id and without a matched stop sequence
 * @param text their text
 * @param finish why it ended: {@code end-of-text}, {@code stop-sequence}, {@code max-tokens} or
 *     {@code cancelled} (the listener asked to stop it)
 */
public record Generation(int[] tokens, String text, String finish) {}
