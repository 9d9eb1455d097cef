/** File formats genpipe reads and writes: IDX (as Fashion-MNIST ships, gzipped or not), CSV, JSON lines, JSON. */
package io.genpipe.runtime.io;
