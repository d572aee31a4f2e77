package io.wsvideo.demo;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.SecureRandom;
import java.security.UnrecoverableKeyException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS for the demo: browsers grant the camera only to secure contexts, so a broadcaster on another machine
 * needs https. Either a PKCS#12/JKS keystore, or a throw-away self-signed certificate made at start-up.
 */
final class Tls {

    private Tls() {
    }

    /** The alias of the key in {@link #selfSignedKeyStore}. */
    static final String ALIAS = "wsvideo";

    /**
     * The key and certificate in a PKCS#12 or JKS file.
     *
     * @throws GeneralSecurityException or IOException naming the file and what is wrong with it (unreadable, not
     *     a keystore, wrong password, no private key)
     */
    static SSLContext fromKeystore(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        } catch (IOException e) {
            // PKCS#12 and JKS both say "keystore password was incorrect" for a wrong password; for a file that
            // is no keystore at all, something about its encoding.
            String why = e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password") ? "wrong password"
                    : "not a PKCS#12 or JKS keystore (" + e.getMessage() + ")";
            throw new IOException(file + ": " + why, e);
        }
        boolean hasKey = false;
        for (String alias : Collections.list(ks.aliases())) {
            hasKey |= ks.isKeyEntry(alias);
        }
        if (!hasKey) {
            // Would start, then fail every TLS handshake.
            throw new KeyStoreException(file + ": no private key in the keystore (only certificates)");
        }
        return context(ks, password);
    }

    /** A certificate for {@code names} (host names or IP addresses), valid for 30 days, in memory only. */
    static SSLContext selfSigned(List<String> names) throws Exception {
        return context(selfSignedKeyStore(names), new char[0]);
    }

    /** A keystore with a self-signed key and certificate under {@link #ALIAS}, key password empty. */
    static KeyStore selfSignedKeyStore(List<String> names) throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair kp = kpg.generateKeyPair();
        Instant now = Instant.now();
        List<GeneralName> sans = new ArrayList<>();
        for (String n : names) {
            boolean ip = n.matches("[0-9.]+") || n.contains(":");
            sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, n));
        }
        var builder = new JcaX509v3CertificateBuilder(new X500Name("CN=wsvideo demo"),
                new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + names.get(0)), kp.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(sans.toArray(GeneralName[]::new)));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        char[] pw = new char[0];
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(ALIAS, kp.getPrivate(), pw, new X509Certificate[] {cert});
        return ks;
    }

    private static SSLContext context(KeyStore ks, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }
}
