/** Audio helpers for the built-in audio steps: spectrograms and their PNGs. WAV files are in {@code io}. */
package io.genpipe.runtime.audio;
