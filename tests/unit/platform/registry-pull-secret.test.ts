import * as assert from "assert";
import { dockerConfigJson } from "../../../components/platform/registry-pull-secret";

describe("registry pull secret", () => {
  it("builds the docker config JSON kubelet reads", () => {
    const cfg = JSON.parse(dockerConfigJson("harbor.example.internal", "robot$x", "pw"));
    assert.deepStrictEqual(cfg, {
      auths: {
        "harbor.example.internal": {
          username: "robot$x",
          password: "pw",
          auth: Buffer.from("robot$x:pw").toString("base64"),
        },
      },
    });
  });
});
