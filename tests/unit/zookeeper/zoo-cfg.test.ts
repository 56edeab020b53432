import * as assert from "assert";
import { zooCfg } from "../../../components/zookeeper/zoo-cfg";

describe("zoo.cfg", () => {
  it("numbers zoo.cfg servers from 1 in host order", () => {
    const cfg = zooCfg({ tickTime: 2000, initLimit: 10, syncLimit: 5 }, ["a", "b", "c"]);
    assert.deepStrictEqual(
      cfg.split("\n").filter((l) => l.startsWith("server.")),
      ["server.1=a:2888:3888;2181", "server.2=b:2888:3888;2181", "server.3=c:2888:3888;2181"],
    );
    assert.match(cfg, /^standaloneEnabled=false$/m);
  });
});
