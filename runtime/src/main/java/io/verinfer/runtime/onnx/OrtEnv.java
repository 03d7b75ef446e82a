package io.verinfer.runtime.onnx;

import ai.onnxruntime.OrtEnvironment;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The process-wide ONNX Runtime environment. Its first creation recurses deeply in native code
 * (measured here: more than 1 MiB of stack; on a default-sized Java thread it dies with SIGSEGV and
 * takes the JVM with it), so it is created once on a thread with a 16 MiB stack, whatever thread
 * asks first.
 */
public final class OrtEnv {
  private static final long INIT_STACK_BYTES = 16L << 20;
  private static volatile OrtEnvironment environment;

  private OrtEnv() {}

  public static OrtEnvironment environment() {
    OrtEnvironment env = environment;
    if (env != null) {
      return env;
    }
    synchronized (OrtEnv.class) {
      if (environment == null) {
        FutureTask<OrtEnvironment> init = new FutureTask<>(OrtEnvironment::getEnvironment);
        Thread thread = new Thread(null, init, "ort-environment-init", INIT_STACK_BYTES);
        thread.setDaemon(true);
        thread.start();
        try {
          environment = init.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted creating the ONNX Runtime environment", e);
        } catch (ExecutionException e) {
          throw new IllegalStateException(
              "cannot create the ONNX Runtime environment: " + e.getCause(), e.getCause());
        }
      }
      return environment;
    }
  }
}
