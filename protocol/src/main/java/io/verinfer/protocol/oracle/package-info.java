/**
 * The availability oracle's wire format: one provider's {@link io.verinfer.protocol.oracle.Figures}
 * (packed as {@code AvailabilityOracle} stores them), an adapter's signed {@link
 * io.verinfer.protocol.oracle.Observation}, the report's medians and deviations ({@link
 * io.verinfer.protocol.oracle.ReportMath}) and its Merkle tree ({@link
 * io.verinfer.protocol.oracle.ReportTree}), each computing exactly what the contract computes.
 */
package io.verinfer.protocol.oracle;
