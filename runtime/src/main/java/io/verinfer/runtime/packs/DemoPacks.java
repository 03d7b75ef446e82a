package io.verinfer.runtime.packs;

import io.verinfer.runtime.ModelManifest;
import io.verinfer.runtime.packs.minilm.MiniLmPack;
import io.verinfer.runtime.packs.train.BuildPacks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The demo model packs the project ships or builds: {@code minilm-embed} (copied from its Maven
 * Central artifact), {@code fraud-detect} and {@code amm-fee} (trained here, deterministically) and
 * {@code verinfer-chat} (the project's own chat model, trained here, its weights in the jar).
 */
public final class DemoPacks {
  public static final List<String> NAMES =
      List.of(MiniLmPack.NAME, "fraud-detect", "amm-fee", ChatDemoPack.NAME);

  private DemoPacks() {}

  /** Makes sure every demo pack exists under {@code dir}; builds the missing ones. */
  public static List<Path> ensure(Path dir, Consumer<String> progress) {
    List<Path> packs = new ArrayList<>();
    for (String name : NAMES) {
      Path pack = dir.resolve(name);
      if (!Files.isRegularFile(pack.resolve(ModelManifest.FILE))) {
        progress.accept("building model pack " + name + "…");
        if (name.equals(MiniLmPack.NAME)) {
          MiniLmPack.write(dir);
        } else if (name.equals(ChatDemoPack.NAME)) {
          ChatDemoPack.write(dir);
        } else {
          BuildPacks.build(name, dir);
        }
      }
      packs.add(pack);
    }
    return packs;
  }
}
