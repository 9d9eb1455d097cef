/**
 * The WaveNet family: speech at 8 kHz as 8-bit &mu;-law classes, generated one sample at a time by
 * a step graph whose dilated-convolution queues stay native between steps, and scored in bits per
 * sample by the full-sequence graph. A plugin compiled against {@code genpipe-api} only.
 */
package io.genpipe.wavenet;
