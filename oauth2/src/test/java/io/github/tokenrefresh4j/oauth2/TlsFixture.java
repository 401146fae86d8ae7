package io.github.tokenrefresh4j.oauth2;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed server certificate for 127.0.0.1 and a self-signed client certificate, made once per JVM with the
 * JDK's own {@code keytool} (nothing to install), and the {@link SSLContext}s of each side: the server trusts the
 * client certificate and the client trusts the server certificate.
 */
final class TlsFixture {

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static TlsFixture instance;

    final KeyStore server;
    final KeyStore client;
    /** PKCS12 files, password {@link #PASSWORD_TEXT}: the server's key (alias {@code key}); a store trusting the
     * client. */
    final Path serverKeyStore;
    final Path serverTrustStore;
    static final String PASSWORD_TEXT = "changeit";

    private TlsFixture(KeyStore server, KeyStore client, Path serverKeyStore, Path serverTrustStore) {
        this.server = server;
        this.client = client;
        this.serverKeyStore = serverKeyStore;
        this.serverTrustStore = serverTrustStore;
    }

    static synchronized TlsFixture get() throws Exception {
        if (instance == null) {
            Path dir = Files.createTempDirectory("tls-fixture");
            KeyStore server = keyPair(dir.resolve("server.p12"), "CN=127.0.0.1", "ip:127.0.0.1");
            KeyStore client = keyPair(dir.resolve("client.p12"), "CN=orders-client", null);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("client", client.getCertificate("key"));
            Path trustFile = dir.resolve("server-trust.p12");
            try (java.io.OutputStream out = Files.newOutputStream(trustFile)) {
                trust.store(out, PASSWORD);
            }
            instance = new TlsFixture(server, client, dir.resolve("server.p12"), trustFile);
        }
        return instance;
    }

    X509Certificate clientCertificate() throws GeneralSecurityException {
        return (X509Certificate) client.getCertificate("key");
    }

    X509Certificate serverCertificate() throws GeneralSecurityException {
        return (X509Certificate) server.getCertificate("key");
    }

    /** The server side: presents its certificate, trusts the client's. */
    SSLContext serverContext() throws GeneralSecurityException, IOException {
        return context(server, clientCertificate());
    }

    /** The client side: trusts the server's certificate; presents its own when {@code withCertificate}. */
    SSLContext clientContext(boolean withCertificate) throws GeneralSecurityException, IOException {
        return context(withCertificate ? client : null, serverCertificate());
    }

    private static SSLContext context(KeyStore keys, X509Certificate trusted)
        throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("trusted", trusted);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        keyManagers.init(keys != null ? keys : empty, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    private static KeyStore keyPair(Path file, String subject, String san) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        ProcessBuilder command = new ProcessBuilder(keytool, "-genkeypair", "-alias", "key", "-keyalg", "EC",
            "-groupname", "secp256r1", "-dname", subject, "-validity", "2", "-storetype", "PKCS12",
            "-keystore", file.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD));
        if (san != null) {
            command.command().addAll(java.util.List.of("-ext", "san=" + san));
        }
        Process process = command.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }
}
