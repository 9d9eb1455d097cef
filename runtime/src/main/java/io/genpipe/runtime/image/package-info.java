/** Writing images: grayscale tensors to PNG grids. */
package io.genpipe.runtime.image;
