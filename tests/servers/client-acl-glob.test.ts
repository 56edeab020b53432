// The ACL check's glob matcher (components/config/client-acl.ts) against Redis's own: a channel rule the
// check lets through must not reach the Sentinel hello channel on a real server.
import * as assert from "assert";
import { SENTINEL_HELLO_CHANNEL, clientAclProblems, globMatches } from "../../components/config/client-acl";

import { RedisServers } from "../../harness/redis-servers";

/** Patterns where a regex translation and Redis's stringmatch part ways: unclosed sets, `]` first, reversed ranges, escapes. */
const PATTERNS = [
  "__sentinel__:hell[o",
  "__sentinel__:hell[",
  "__sentinel__:hel[l-",
  "__sentinel__:hell[^a",
  "__sentinel__:[]hello",
  "__sentinel__:hell[]o]",
  "__sentinel__:hell[z-a]",
  "__sentinel__:hell[\\o]",
  "__sentinel__:hell\\o",
  "__sentinel__:hello\\",
  "__sentinel__:*[",
  "__sentinel__?hello",
  "__sen[s-u]inel__:hello",
  "*:hello",
  "app:*",
  "app:[",
];
const CHANNELS = [
  SENTINEL_HELLO_CHANNEL,
  "__sentinel__:hell[o",
  "__sentinel__:hell",
  "app:x",
  "app:[",
  "__sentinel__:hellx",
];

describe("the client ACL's glob matcher agrees with Redis's (real redis-server, ACL DRYRUN)", function () {
  this.timeout(60_000);
  const fleet = new RedisServers();
  after(() => fleet.stopAll());

  it("matches every tricky pattern as the server does, so no accepted rule reaches the hello channel", async () => {
    const [server] = await fleet.add(1);
    const admin = await server.admin();
    try {
      const disagreements: string[] = [];
      for (const [i, pattern] of PATTERNS.entries()) {
        await admin.call("ACL", "SETUSER", `probe${i}`, "reset", "on", "nopass", "+publish", `&${pattern}`);
        for (const channel of CHANNELS) {
          const redis = (await admin.call("ACL", "DRYRUN", `probe${i}`, "PUBLISH", channel, "x")) === "OK";
          if (globMatches(pattern, channel) !== redis)
            disagreements.push(`&${pattern} on ${channel}: Redis ${redis ? "allows" : "refuses"}`);
          if (redis && channel === SENTINEL_HELLO_CHANNEL)
            assert.notDeepStrictEqual(
              clientAclProblems(`&${pattern}`),
              [],
              `&${pattern} reaches the hello channel but passes the check`,
            );
        }
      }
      assert.deepStrictEqual(disagreements, []);
    } finally {
      admin.disconnect();
    }
  });
});
