// The image's scripts send a password only to a server that proves it is a member: with TLS, the
// redis-cli flags of images/redis/redis-common.sh check the server's certificate against the
// workload's authority before a byte of AUTH leaves (issue #25: redis-cluster-peers sent its
// password to whatever a peer's name resolved to before checking the node ID).
import * as assert from "assert";
import * as path from "path";
import * as tls from "tls";
import { run } from "../../harness/processes";
import { ROOT } from "../../harness/stack-files";
import { TestAuthority, TlsFiles } from "../../harness/tls";

const COMMON = path.join(ROOT, "images", "redis", "redis-common.sh");
const PASSWORD = "cluster-peers-password-for-this-test";

/** A TLS server presenting `cert` that records everything a client sends it. */
async function recordingServer(cert: TlsFiles): Promise<{ port: number; received: () => string; close: () => void }> {
  let received = "";
  const server = tls.createServer(
    { cert: cert.pem.cert, key: cert.pem.key, requestCert: true, rejectUnauthorized: false },
    (s) => {
      s.on("data", (d) => {
        received += d.toString();
        // Answer like a Redis server so the client finishes: +OK to AUTH, a node id to CLUSTER MYID.
        s.write(received.includes("MYID") ? `$40\r\n${"a".repeat(40)}\r\n` : "+OK\r\n");
      });
      s.on("error", () => undefined);
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    received: () => received,
    close: () => server.close(),
  };
}

/** What redis-cluster-peers runs to ask a peer its node id, with this pod's certificate in `tlsDir`. */
function askNodeId(port: number, tlsDir: string) {
  return run(
    "bash",
    [
      "-c",
      `. "${COMMON}"; REDISCLI_AUTH="$PW" timeout 3 redis-cli "\${redis_cli_tls[@]}" --no-auth-warning --raw --user cluster-peers -h 127.0.0.1 -p ${port} CLUSTER MYID`,
    ],
    { env: { ...process.env, TLS_DIR: tlsDir, PW: PASSWORD } },
  );
}

describe("the image's redis-cli calls with TLS (images/redis/redis-common.sh)", function () {
  this.timeout(30_000);
  const authority = new TestAuthority("redis-cluster");
  const foreign = new TestAuthority("anyone");
  after(() => {
    authority.remove();
    foreign.remove();
  });

  it("never sends the password to a server whose certificate is not of the workload's authority", async () => {
    const member = authority.issue();
    const impostor = await recordingServer(foreign.issue());
    try {
      const r = await askNodeId(impostor.port, member.dir);
      assert.notStrictEqual(r.code, 0, "the handshake must fail");
      assert.strictEqual(impostor.received(), "", "nothing, and so no password, reached the impostor");
    } finally {
      impostor.close();
    }
  });

  it("sends it to a member (the control: the recording server sees what a client sends)", async () => {
    const member = authority.issue();
    const peer = await recordingServer(authority.issue());
    try {
      const r = await askNodeId(peer.port, member.dir);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(peer.received().includes(PASSWORD), "AUTH reached the member");
    } finally {
      peer.close();
    }
  });
});
