package middleware.zookeeper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.server.ServerCnxn;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * ZooKeeper's digest scheme, for super alone. The stock provider accepts any "user:password" as
 * an identity (it cannot check one it never stored), and with enforce.auth.schemes naming digest
 * that made `addauth digest anyone:anything` count as authenticated: enough to read and write
 * every world-open znode. Applications authenticate with SASL, which the server does check; the
 * only digest identity it keeps is super's (DigestAuthenticationProvider.superDigest), which the
 * operators and the health assertion use, since the native Node client has no SASL. Any other
 * digest is refused at `addauth` (AUTH_FAILED, and the server closes the session).
 * Registered in zoo.cfg as `authProvider.digest=middleware.zookeeper.SuperOnlyDigestProvider`,
 * which replaces the stock provider of the same scheme.
 */
public class SuperOnlyDigestProvider extends DigestAuthenticationProvider {
    static final String SUPER_DIGEST = "zookeeper.DigestAuthenticationProvider.superDigest";

    @Override
    public KeeperException.Code handleAuthentication(ServerCnxn cnxn, byte[] authData) {
        String superDigest = System.getProperty(SUPER_DIGEST);
        if (superDigest == null || authData == null) {
            return KeeperException.Code.AUTHFAILED;
        }
        String id;
        try {
            id = generateDigest(new String(authData, StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            return KeeperException.Code.AUTHFAILED;
        }
        // Constant time: the comparison must not tell how much of a guess was right.
        if (!MessageDigest.isEqual(id.getBytes(StandardCharsets.UTF_8), superDigest.getBytes(StandardCharsets.UTF_8))) {
            return KeeperException.Code.AUTHFAILED;
        }
        return super.handleAuthentication(cnxn, authData);
    }
}
