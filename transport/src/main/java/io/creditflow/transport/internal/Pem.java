package io.creditflow.transport.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads PEM files with the JDK alone: X.509 certificates, and private keys in PKCS#8
 * ({@code BEGIN PRIVATE KEY}, or {@code BEGIN ENCRYPTED PRIVATE KEY} with a password). PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) and SEC1 ({@code BEGIN EC PRIVATE KEY}) keys are refused with a hint
 * to convert them ({@code openssl pkcs8 -topk8 -nocrypt}). Stateless.
 */
public final class Pem {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** Key algorithms tried in turn: PKCS#8 names the algorithm by OID, the JDK's KeyFactory by name. */
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"};

    private Pem() {}

    /** Every certificate in the file, in order (a chain: the leaf first). */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(text, "CERTIFICATE")) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException e) {
            throw new IOException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no '-----BEGIN CERTIFICATE-----' block");
        }
        return out;
    }

    /** The one private key in the file; {@code password} only for an encrypted key (else null). */
    public static PrivateKey readPrivateKey(Path file, char[] password) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        for (String legacy : new String[] {"RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY"}) {
            if (text.contains("-----BEGIN " + legacy + "-----")) {
                throw new IOException(file + ": '" + legacy + "' is not PKCS#8; convert it with "
                        + "'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'");
            }
        }
        List<byte[]> plain = blocks(text, "PRIVATE KEY");
        List<byte[]> encrypted = blocks(text, "ENCRYPTED PRIVATE KEY");
        if (plain.size() + encrypted.size() != 1) {
            throw new IOException(file + ": expected exactly one '-----BEGIN PRIVATE KEY-----' or "
                    + "'-----BEGIN ENCRYPTED PRIVATE KEY-----' block, found " + (plain.size() + encrypted.size()));
        }
        try {
            PKCS8EncodedKeySpec spec;
            if (!plain.isEmpty()) {
                spec = new PKCS8EncodedKeySpec(plain.get(0));
            } else {
                if (password == null) {
                    throw new IOException(file + ": the key is encrypted and no password was given");
                }
                EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(encrypted.get(0));
                String algorithm = info.getAlgName();
                if (algorithm.equals("PBES2") || algorithm.equals("1.2.840.113549.1.5.13")) {
                    // PBES2 (what openssl writes) names the real scheme in its parameters, for example
                    // PBEWithHmacSHA256AndAES_256; Java 17's SecretKeyFactory does not know "PBES2".
                    algorithm = info.getAlgParameters().toString();
                }
                SecretKeyFactory skf = SecretKeyFactory.getInstance(algorithm);
                Cipher cipher = Cipher.getInstance(algorithm);
                cipher.init(Cipher.DECRYPT_MODE, skf.generateSecret(new PBEKeySpec(password)), info.getAlgParameters());
                spec = info.getKeySpec(cipher);
            }
            return toPrivateKey(spec, file);
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": cannot read the private key: " + e, e);
        }
    }

    private static PrivateKey toPrivateKey(PKCS8EncodedKeySpec spec, Path file) throws IOException {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // not this algorithm: try the next
            }
        }
        throw new IOException(file + ": a PKCS#8 key of an unsupported algorithm (tried RSA, EC, EdDSA, DSA)");
    }

    /** The decoded bodies of the blocks labelled exactly {@code label}. */
    private static List<byte[]> blocks(String text, String label) throws IOException {
        List<byte[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(label)) {
                try {
                    out.add(Base64.getMimeDecoder().decode(m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new IOException("bad base64 in a '" + label + "' block: " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    /** PEM text of {@code der} under {@code label}, 64 characters a line. */
    public static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
