package io.genpipe.testkit;

/**
 * The properties the conformance suite checks. A component that does not have one declares it
 * with {@link ComponentCase#unsupported(Behavior, String)} and a reason; the check is then
 * reported as skipped with that reason instead of failing.
 */
public enum Behavior {
    /** Every declared output port is in the result with its dtype and shape; one row per input row, ids in order. */
    DECLARED_PORTS,
    /** Two calls with the same input and seed give the same bytes (also from a freshly built component). */
    DETERMINISTIC,
    /** A row's result is the same whether it comes in one batch or split into batches of other sizes. */
    BATCH_SIZE_INDEPENDENT,
    /** A row's result does not depend on its neighbours (the batch in reverse order gives the rows' results reversed). */
    ROW_INDEPENDENT,
    /** Every native ONNX Runtime value is released once results and the component are closed. */
    RELEASES_NATIVE_VALUES,
    /** Values out of a parameter's declared range or choices are refused naming the parameter. */
    REJECTS_INVALID_PARAMETERS,
    /** Several threads calling one component at once get what serial calls get. */
    THREAD_SAFE
}
