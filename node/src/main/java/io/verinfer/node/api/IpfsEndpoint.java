package io.verinfer.node.api;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ErrorCode;
import io.verinfer.protocol.VerinferException;
import io.verinfer.runtime.store.ModelStore;
import java.io.IOException;

/** {@code GET /ipfs/{cid}}: serves a stored blob by its CID (what peers fetch models from). */
public final class IpfsEndpoint implements Handler {
  private final ModelStore store;

  public IpfsEndpoint(ModelStore store) {
    this.store = store;
  }

  @Override
  public void handle(Context ctx) throws IOException {
    Cid cid;
    try {
      cid = Cid.parse(ctx.pathParam("cid"));
    } catch (IllegalArgumentException e) {
      throw new VerinferException(ErrorCode.INVALID_CID, "cid", e.getMessage());
    }
    if (!store.contains(cid)) {
      throw new VerinferException(ErrorCode.UNKNOWN_CID, "cid", "this node holds no blob " + cid);
    }
    ctx.header("Content-Length", Long.toString(store.size(cid)));
    ctx.header("Cache-Control", "public, max-age=31536000, immutable");
    ctx.header("ETag", "\"" + cid + "\"");
    ctx.contentType("application/octet-stream");
    ctx.result(store.open(cid));
  }
}
