package io.verinfer.runtime;

import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.ModelSchema;
import io.verinfer.protocol.Tensor;
import io.verinfer.protocol.TensorSpec;
import io.verinfer.protocol.VerinferException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a request against a model's declared schema; the first violation is thrown. */
public final class SchemaValidator {
  private SchemaValidator() {}

  /** Returns the batch rows of the request (dim 0 of every input when the model is batchable). */
  public static long validate(String model, ModelSchema schema, List<Tensor> inputs) {
    if (inputs == null || inputs.isEmpty()) {
      throw new VerinferException(
          ErrorCode.EMPTY_INPUT, "inputs", "the request to " + model + " has no inputs");
    }
    long totalBytes = 0;
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = inputs.get(i);
      String field = "inputs[" + i + "]";
      TensorSpec spec =
          schema
              .input(t.name())
              .orElseThrow(
                  () ->
                      new VerinferException(
                          ErrorCode.UNKNOWN_INPUT,
                          field + ".name",
                          model
                              + " has no input named '"
                              + t.name()
                              + "'; it takes "
                              + names(schema)));
      if (!seen.add(t.name())) {
        throw new VerinferException(
            ErrorCode.MALFORMED_REQUEST,
            field + ".name",
            "input '" + t.name() + "' is given twice");
      }
      if (t.datatype() != spec.datatype()) {
        throw new VerinferException(
            ErrorCode.WRONG_DATATYPE,
            field + ".datatype",
            "input '" + t.name() + "' must be " + spec.datatype() + ", got " + t.datatype());
      }
      if (!spec.accepts(t.shape())) {
        throw new VerinferException(
            ErrorCode.WRONG_SHAPE,
            field + ".shape",
            "input '"
                + t.name()
                + "' must have shape "
                + spec.shape()
                + " (-1 = any size), got "
                + Arrays.toString(t.shape()));
      }
      if (t.elementCount() == 0) {
        throw new VerinferException(
            ErrorCode.EMPTY_INPUT, field + ".data", "input '" + t.name() + "' holds no elements");
      }
      totalBytes += t.byteSize();
    }
    if (totalBytes > schema.maxInputBytes()) {
      throw new VerinferException(
          ErrorCode.INPUT_TOO_LARGE,
          "inputs",
          "the inputs hold "
              + totalBytes
              + " bytes; "
              + model
              + " accepts at most "
              + schema.maxInputBytes());
    }
    for (TensorSpec spec : schema.inputs()) {
      if (!seen.contains(spec.name())) {
        throw new VerinferException(
            ErrorCode.MISSING_INPUT, "inputs", model + " needs input '" + spec.name() + "'");
      }
    }
    return batchRows(model, schema, inputs);
  }

  private static long batchRows(String model, ModelSchema schema, List<Tensor> inputs) {
    if (!schema.batchable()) {
      return 1;
    }
    long rows = inputs.get(0).shape()[0];
    for (Tensor t : inputs) {
      if (t.shape()[0] != rows) {
        throw new VerinferException(
            ErrorCode.WRONG_SHAPE,
            "inputs",
            model
                + ": every input must have the same first (batch) dimension, got "
                + rows
                + " and "
                + t.shape()[0]);
      }
    }
    return rows;
  }

  private static String names(ModelSchema schema) {
    return schema.inputs().stream().map(TensorSpec::name).toList().toString();
  }
}
