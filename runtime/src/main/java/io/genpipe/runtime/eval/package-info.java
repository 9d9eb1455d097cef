/** Evaluation metrics computed by genpipe itself (AUROC, ...), with documented tie handling. */
package io.genpipe.runtime.eval;
