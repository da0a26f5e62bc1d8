package io.creditflow.testing;

import io.creditflow.transport.internal.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Throwaway certificates for tests, made at test time with the JDK's {@code keytool} (run as a
 * subprocess) in a directory the test owns (a JUnit {@code @TempDir}): nothing private is committed.
 *
 * <ul>
 * <li>{@link #ca()}: a CA that signs {@link #server()} (subject alternative names {@code localhost} and
 *     {@code 127.0.0.1}, serverAuth) and {@link #client()} (CN and only name {@code client.invalid},
 *     clientAuth and serverAuth: as a server's certificate it is trusted but names another host, for
 *     host name verification tests).</li>
 * <li>{@link #otherCa()}: an unrelated CA that signed nothing here, for "does not trust" cases.</li>
 * </ul>
 *
 * EC P-256 keys (fast to make); certificates valid from a day ago for three days. Each identity is also
 * written as PEM ({@code NAME.key.pem}, PKCS#8, and {@code NAME.chain.pem}, leaf then CA) for tests of
 * the file-based options. Eight keytool runs in three rounds of parallel runs: one to three seconds.
 */
public final class TestPki {
    private static final String PASSWORD = "test-only";

    private final Identity ca;
    private final Identity otherCa;
    private final Identity server;
    private final Identity client;

    private TestPki(Identity ca, Identity otherCa, Identity server, Identity client) {
        this.ca = ca;
        this.otherCa = otherCa;
        this.server = server;
        this.client = client;
    }

    /** A key, its certificate chain (leaf first) and the same as PEM files. */
    public record Identity(PrivateKey key, X509Certificate[] chain, Path keyPem, Path chainPem) {
        public X509Certificate certificate() {
            return chain[0];
        }
    }

    /** Makes the CAs and certificates in {@code dir} (which must exist and be empty of these names). */
    public static TestPki generate(Path dir) throws IOException, InterruptedException {
        // One keystore per key, so that independent keytool runs can go in parallel.
        run(
                dir,
                genkeypair(dir, "ca", "CN=creditflow test CA", "-ext", "bc:c"),
                genkeypair(dir, "other-ca", "CN=creditflow other test CA", "-ext", "bc:c"),
                genkeypair(dir, "server", "CN=localhost"),
                genkeypair(dir, "client", "CN=client.invalid"));
        run(dir, certreq(dir, "server"), certreq(dir, "client"));
        run(
                dir,
                gencert(dir, "server", "SAN=dns:localhost,ip:127.0.0.1", "EKU=serverAuth"),
                gencert(dir, "client", "SAN=dns:client.invalid", "EKU=clientAuth,serverAuth"));
        try {
            Identity ca = selfSigned(dir, "ca");
            return new TestPki(
                    ca,
                    selfSigned(dir, "other-ca"),
                    signed(dir, "server", ca.certificate()),
                    signed(dir, "client", ca.certificate()));
        } catch (GeneralSecurityException e) {
            throw new IOException("reading the generated keys: " + e, e);
        }
    }

    public Identity ca() {
        return ca;
    }

    public Identity otherCa() {
        return otherCa;
    }

    public Identity server() {
        return server;
    }

    public Identity client() {
        return client;
    }

    private static Path store(Path dir, String alias) {
        return dir.resolve(alias + ".p12");
    }

    private static List<String> genkeypair(Path dir, String alias, String dname, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "-genkeypair",
                "-alias",
                alias,
                "-dname",
                dname,
                "-keystore",
                store(dir, alias).toString(),
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-startdate",
                "-1d",
                "-validity",
                "3",
                "-storetype",
                "PKCS12",
                "-keypass",
                PASSWORD));
        args.addAll(List.of(more));
        return args;
    }

    private static List<String> certreq(Path dir, String alias) {
        return List.of(
                "-certreq",
                "-alias",
                alias,
                "-keystore",
                store(dir, alias).toString(),
                "-file",
                dir.resolve(alias + ".csr").toString());
    }

    /** The CA signs the alias's request. */
    private static List<String> gencert(Path dir, String alias, String... extensions) {
        List<String> args = new ArrayList<>(List.of(
                "-gencert",
                "-alias",
                "ca",
                "-keystore",
                store(dir, "ca").toString(),
                "-infile",
                dir.resolve(alias + ".csr").toString(),
                "-outfile",
                dir.resolve(alias + ".crt").toString(),
                "-rfc",
                "-startdate",
                "-1d",
                "-validity",
                "3"));
        for (String e : extensions) {
            args.add("-ext");
            args.add(e);
        }
        return args;
    }

    private static Identity selfSigned(Path dir, String alias) throws IOException, GeneralSecurityException {
        KeyStore ks = load(store(dir, alias));
        return identity(dir, alias, (PrivateKey) ks.getKey(alias, PASSWORD.toCharArray()), new X509Certificate[] {
            (X509Certificate) ks.getCertificate(alias)
        });
    }

    private static Identity signed(Path dir, String alias, X509Certificate caCert)
            throws IOException, GeneralSecurityException {
        KeyStore ks = load(store(dir, alias));
        List<X509Certificate> leaf = Pem.readCertificates(dir.resolve(alias + ".crt"));
        return identity(dir, alias, (PrivateKey) ks.getKey(alias, PASSWORD.toCharArray()), new X509Certificate[] {
            leaf.get(0), caCert
        });
    }

    private static Identity identity(Path dir, String name, PrivateKey key, X509Certificate[] chain)
            throws IOException, GeneralSecurityException {
        Path keyPem = dir.resolve(name + ".key.pem");
        Path chainPem = dir.resolve(name + ".chain.pem");
        Files.writeString(keyPem, Pem.encode("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : chain) {
            sb.append(Pem.encode("CERTIFICATE", c.getEncoded()));
        }
        Files.writeString(chainPem, sb, StandardCharsets.US_ASCII);
        return new Identity(key, chain, keyPem, chainPem);
    }

    private static KeyStore load(Path store) throws IOException {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            return ks;
        } catch (GeneralSecurityException e) {
            throw new IOException(store + ": " + e, e);
        }
    }

    /**
     * Runs the JDK's keytool once per argument list, all at once, and waits for them; fails with the
     * output of one that exits non-zero or takes more than 60 s.
     */
    @SafeVarargs
    private static void run(Path dir, List<String>... runs) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (List<String> args : runs) {
                List<String> cmd = new ArrayList<>(List.of(
                        keytool.toString(),
                        "-J-XX:TieredStopAtLevel=1",
                        "-J-XX:+UseSerialGC", // a short-lived JVM
                        // Throwaway keystores: skip the 10,000-round password hashing that protects real ones.
                        "-J-Dkeystore.pkcs12.keyPbeIterationCount=1",
                        "-J-Dkeystore.pkcs12.certPbeIterationCount=1",
                        "-J-Dkeystore.pkcs12.macIterationCount=1"));
                cmd.addAll(args);
                cmd.addAll(List.of("-storepass", PASSWORD, "-noprompt"));
                Path log = dir.resolve("keytool-" + args.get(0).substring(1) + "-" + args.get(2) + ".log");
                logs.add(log);
                processes.add(new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start());
            }
            for (int i = 0; i < processes.size(); i++) {
                Process p = processes.get(i);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    throw new IOException("keytool " + String.join(" ", runs[i]) + " did not finish within 60 s");
                }
                if (p.exitValue() != 0) {
                    throw new IOException("keytool " + String.join(" ", runs[i]) + " failed (exit " + p.exitValue()
                            + "): " + Files.readString(logs.get(i)));
                }
            }
        } finally {
            for (Process p : processes) {
                p.destroyForcibly();
            }
        }
    }
}
