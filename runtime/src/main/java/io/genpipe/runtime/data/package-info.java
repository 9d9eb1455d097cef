/** Readers for data formats genpipe's sources consume: IDX (as Fashion-MNIST ships), gzipped or not. */
package io.genpipe.runtime.data;
