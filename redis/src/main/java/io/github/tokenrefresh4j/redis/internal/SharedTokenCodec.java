package io.github.tokenrefresh4j.redis.internal;

import io.github.tokenrefresh4j.AccessToken;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Turns an {@link AccessToken} into the string stored in Redis and back, optionally sealed with AES-GCM.
 *
 * <p>Plain form: {@code t1.<base64 value>.<base64 refresh token or ->.<ISO expiry or ->}. Sealed form:
 * {@code e1.<base64 of 12-byte nonce + ciphertext + tag>}, with the Redis key as associated data, so a sealed value
 * copied under another key does not open. Neither form, nor any message thrown here, contains a token value.
 */
public final class SharedTokenCodec {

    private static final String PLAIN = "t1.";
    private static final String SEALED = "e1.";
    private static final String ABSENT = "-";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final String key;
    private final SecretKey encryptionKey;
    private final SecureRandom random;

    /**
     * @param key           the Redis key the value is stored under
     * @param encryptionKey an AES key, or null to store the token in plain text
     */
    public SharedTokenCodec(String key, SecretKey encryptionKey) {
        this.key = Objects.requireNonNull(key, "key must not be null");
        this.encryptionKey = encryptionKey;
        this.random = encryptionKey == null ? null : new SecureRandom();
    }

    /** @return whether stored tokens are sealed with AES-GCM */
    public boolean encrypts() {
        return encryptionKey != null;
    }

    /** @return the stored form of {@code token} */
    public String encode(AccessToken token) {
        Base64.Encoder b64 = Base64.getEncoder();
        String plain = PLAIN + b64.encodeToString(token.value().getBytes(StandardCharsets.UTF_8))
            + '.' + token.refreshToken().map(r -> b64.encodeToString(r.getBytes(StandardCharsets.UTF_8))).orElse(ABSENT)
            + '.' + token.expiresAt().map(Instant::toString).orElse(ABSENT);
        if (encryptionKey == null) {
            return plain;
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce);
            byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return SEALED + b64.encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not encrypt the token for key '" + key + "' with AES-GCM", e);
        }
    }

    /**
     * @return the token that {@code stored} holds
     * @throws IllegalStateException if the value is malformed, sealed with another key, or its form does not match
     *                               whether an encryption key is configured
     */
    public AccessToken decode(String stored) {
        String plain;
        if (stored.startsWith(SEALED)) {
            if (encryptionKey == null) {
                throw new IllegalStateException("the token under key '" + key + "' is encrypted but this "
                    + "RedisTokenRefresher has no encryptionKey; configure the same key as the other instances");
            }
            plain = open(stored.substring(SEALED.length()));
        } else if (stored.startsWith(PLAIN)) {
            if (encryptionKey != null) {
                throw new IllegalStateException("the token under key '" + key + "' is stored in plain text but "
                    + "this RedisTokenRefresher expects it encrypted; refusing it. Configure the encryptionKey on "
                    + "every instance, or delete the key once");
            }
            plain = stored;
        } else {
            throw malformed();
        }
        String[] parts = plain.substring(PLAIN.length()).split("\\.", 3);
        if (parts.length != 3) {
            throw malformed();
        }
        try {
            Base64.Decoder b64 = Base64.getDecoder();
            String value = new String(b64.decode(parts[0]), StandardCharsets.UTF_8);
            AccessToken token = ABSENT.equals(parts[2])
                ? AccessToken.of(value)
                : AccessToken.of(value, Instant.parse(parts[2]));
            return ABSENT.equals(parts[1])
                ? token
                : token.withRefreshToken(new String(b64.decode(parts[1]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw malformed();
        }
    }

    private String open(String sealedBase64) {
        byte[] in;
        try {
            in = Base64.getDecoder().decode(sealedBase64);
        } catch (IllegalArgumentException e) {
            throw malformed();
        }
        if (in.length <= NONCE_BYTES) {
            throw malformed();
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            System.arraycopy(in, 0, nonce, 0, NONCE_BYTES);
            byte[] plain = cipher(Cipher.DECRYPT_MODE, nonce).doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the token under key '" + key + "' could not be decrypted: it was "
                + "written with another encryptionKey, under another key, or altered", e);
        }
    }

    private Cipher cipher(int mode, byte[] nonce) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, encryptionKey, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(key.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    /** Carries no cause: a Base64 or date parse error may quote the input, which is secret. */
    private IllegalStateException malformed() {
        return new IllegalStateException("the value under key '" + key + "' is not a token stored by "
            + "RedisTokenRefresher; is the key used by something else?");
    }
}
