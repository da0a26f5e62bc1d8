package io.creditflow.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.testing.LeakCheck;
import io.creditflow.testing.TestPki;
import io.creditflow.transport.internal.Pem;
import io.creditflow.transport.internal.TlsContexts;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** TlsOptions: PEM files and objects give the same options; mistakes are refused at build time, by name. */
@ExtendWith(LeakCheck.class)
class TlsOptionsTest {
    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.generate(dir);
    }

    @Test
    void pemFilesReadTheSameKeyAndChainAsTheObjects() {
        TestPki.Identity server = pki.server();
        TlsOptions fromFiles = TlsOptions.builder()
                .keyAndCertificateChain(server.keyPem(), server.chainPem())
                .trustedCertificates(pki.ca().chainPem())
                .requireClientAuth(true)
                .build();
        assertThat(fromFiles.privateKey().getEncoded()).isEqualTo(server.key().getEncoded());
        assertThat(fromFiles.certificateChain()).containsExactly(server.chain());
        assertThat(fromFiles.trustedCertificates()).containsExactly(pki.ca().certificate());
        assertThat(fromFiles.requireClientAuth()).isTrue();
        assertThat(fromFiles.hostnameVerification()).isTrue();
        assertThat(fromFiles.toString()).contains("CN=localhost").doesNotContain("PRIVATE");
        // Both sides' contexts build.
        assertThat(TlsContexts.forServer(fromFiles)).isNotNull();
        assertThat(TlsContexts.forClient(TlsOptions.builder()
                        .trustedCertificates(pki.ca().certificate())
                        .keyAndCertificateChain(pki.client().key(), pki.client().chain())
                        .build()))
                .isNotNull();
    }

    @Test
    void anEncryptedPkcs8KeyIsReadWithItsPassword() throws Exception {
        // PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC: what 'openssl pkcs8 -topk8' writes by default.
        String scheme = "PBEWithHmacSHA256AndAES_256";
        char[] password = "pem-password".toCharArray();
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        new SecureRandom().nextBytes(salt);
        new SecureRandom().nextBytes(iv);
        Cipher cipher = Cipher.getInstance(scheme);
        cipher.init(
                Cipher.ENCRYPT_MODE,
                SecretKeyFactory.getInstance(scheme).generateSecret(new PBEKeySpec(password)),
                new PBEParameterSpec(salt, 10_000, new IvParameterSpec(iv)));
        byte[] encrypted = cipher.doFinal(pki.server().key().getEncoded());
        // EncryptedPrivateKeyInfo ::= SEQUENCE { SEQUENCE { OID pbes2, PBES2-params }, OCTET STRING }
        byte[] pbes2Oid = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x05, 0x0D};
        byte[] algorithmId = der(0x30, concat(pbes2Oid, cipher.getParameters().getEncoded()));
        byte[] info = der(0x30, concat(algorithmId, der(0x04, encrypted)));
        Path keyPem = dir.resolve("encrypted.key.pem");
        Files.writeString(keyPem, Pem.encode("ENCRYPTED PRIVATE KEY", info), StandardCharsets.US_ASCII);

        TlsOptions o = TlsOptions.builder()
                .keyAndCertificateChain(keyPem, password, pki.server().chainPem())
                .build();
        assertThat(o.privateKey().getEncoded()).isEqualTo(pki.server().key().getEncoded());
        assertThatThrownBy(() -> TlsOptions.builder()
                        .keyAndCertificateChain(keyPem, pki.server().chainPem()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("no password");
        assertThatThrownBy(() -> TlsOptions.builder()
                        .keyAndCertificateChain(
                                keyPem, "wrong".toCharArray(), pki.server().chainPem()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("encrypted.key.pem");
    }

    private static byte[] der(int tag, byte[] body) {
        int n = body.length;
        byte[] len = n < 0x80
                ? new byte[] {(byte) n}
                : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n} : new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        return concat(new byte[] {(byte) tag}, concat(len, body));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aKeyThatDoesNotMatchTheCertificateIsRefused() {
        assertThatThrownBy(() -> TlsOptions.builder()
                        .keyAndCertificateChain(pki.client().key(), pki.server().chain()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match")
                .hasMessageContaining("CN=localhost");
        assertThatThrownBy(() ->
                        TlsOptions.builder().keyAndCertificateChain(pki.client().key()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("certificate chain");
    }

    @Test
    void unreadableOrWrongPemFilesNameTheFile() throws Exception {
        Path legacy = dir.resolve("legacy.pem");
        Files.writeString(
                legacy,
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> TlsOptions.builder()
                        .keyAndCertificateChain(legacy, pki.server().chainPem()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("legacy.pem")
                .hasMessageContaining("PKCS#8");
        assertThatThrownBy(() ->
                        TlsOptions.builder().trustedCertificates(pki.server().keyPem()))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("server.key.pem")
                .hasMessageContaining("BEGIN CERTIFICATE");
        assertThatThrownBy(() -> TlsOptions.builder().trustedCertificates(dir.resolve("missing.pem")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("missing.pem");
    }

    @Test
    void aServerNeedsAKeyAndMutualTlsNeedsTrustedCas() {
        assertThatThrownBy(() -> TlsContexts.forServer(TlsOptions.builder()
                        .trustedCertificates(pki.ca().certificate())
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private key");
        assertThatThrownBy(() -> TlsContexts.forServer(TlsOptions.builder()
                        .keyAndCertificateChain(pki.server().key(), pki.server().chain())
                        .requireClientAuth(true)
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trustedCertificates");
    }
}
