package io.creditflow.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may use the broker, and for what: bearer tokens mapped to principals, and per-topic produce and
 * consume permissions. Read from an auth file ({@link BrokerConfig.Builder#authFile(Path)}); the
 * format is in docs/broker.md:
 *
 * <pre>
 * # comments and blank lines are ignored
 * token  s3cret-of-alice  principal alice
 * token  s3cret-of-bob    principal bob
 * allow  alice  produce  orders.*
 * allow  bob    consume  orders.*
 * allow  *      consume  public.*     # * as the principal: every authenticated principal
 * allow  ops    *        *            # * as the action: produce and consume
 * quota  alice  bytes-per-second 1048576 messages-per-second 500
 * quota  *      messages-per-second 10000  # every principal without a quota line of its own
 * </pre>
 *
 * A {@code quota} line gives a principal a produce quota ({@link Quota}: either figure may be left out, for no
 * limit on it); {@code *} gives the quota of every principal without its own line, in place of the broker's
 * default ({@link BrokerConfig#defaultQuota()}). One line per principal.
 *
 * Nothing is allowed unless a rule allows it. In a topic pattern {@code *} matches any run of characters
 * (dots included); everything else matches itself. Tokens are kept only as SHA-256 digests, and looked
 * up by digest. Immutable; thread-safe.
 */
public final class AccessControl {
    /** What a principal may do on a topic. */
    public enum Action {
        PRODUCE,
        CONSUME;

        /** The name used in the file and in {@code role} metadata. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9._@:-]{1,128}");
    private static final Pattern TOPIC_PATTERN = Pattern.compile("[A-Za-z0-9._*-]{1,128}");

    private final Map<String, String> principalByTokenDigest;
    private final List<Rule> rules;
    /** Quotas by principal; {@code *} for the rest. */
    private final Map<String, Quota> quotas;

    private record Rule(int line, String principal, Set<Action> actions, Pattern topicRegex) {
        boolean allows(String who, Action action, String topic) {
            return (principal.equals("*") || principal.equals(who))
                    && actions.contains(action)
                    && topicRegex.matcher(topic).matches();
        }
    }

    private AccessControl(Map<String, String> principals, List<Rule> rules, Map<String, Quota> quotas) {
        this.principalByTokenDigest = Map.copyOf(principals);
        this.rules = List.copyOf(rules);
        this.quotas = Map.copyOf(quotas);
    }

    /**
     * Reads an auth file.
     *
     * @throws UncheckedIOException if it cannot be read
     * @throws IllegalArgumentException for a mistake in it, naming the file and line
     */
    public static AccessControl load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("auth file " + file + ": cannot read it: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses auth-file text; {@code source} names it in error messages. */
    public static AccessControl parse(String text, String source) {
        Map<String, String> principals = new HashMap<>();
        Set<String> named = new HashSet<>();
        List<Rule> rules = new ArrayList<>();
        Map<String, Quota> quotas = new HashMap<>();
        Map<String, Integer> quotaLines = new HashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash); // tokens cannot contain '#'
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            String where = source + " line " + (i + 1) + ": ";
            switch (f[0]) {
                case "token" -> {
                    if (f.length != 4 || !f[2].equals("principal")) {
                        throw new IllegalArgumentException(where + "expected 'token <token> principal <name>'");
                    }
                    String principal = checkPrincipal(where, f[3]);
                    if (principals.putIfAbsent(digest(f[1]), principal) != null) {
                        throw new IllegalArgumentException(where + "this token is already given to a principal");
                    }
                    named.add(principal);
                }
                case "allow" -> {
                    if (f.length != 4) {
                        throw new IllegalArgumentException(
                                where + "expected 'allow <principal|*> <produce|consume|*> <topic pattern>'");
                    }
                    String principal = f[1].equals("*") ? "*" : checkPrincipal(where, f[1]);
                    Set<Action> actions = switch (f[2]) {
                        case "produce" -> Set.of(Action.PRODUCE);
                        case "consume" -> Set.of(Action.CONSUME);
                        case "*" -> Set.of(Action.PRODUCE, Action.CONSUME);
                        default ->
                            throw new IllegalArgumentException(
                                    where + "action '" + f[2] + "' (expected: produce, consume or *)");
                    };
                    if (!TOPIC_PATTERN.matcher(f[3]).matches()) {
                        throw new IllegalArgumentException(where + "topic pattern '" + f[3]
                                + "' (expected: 1-128 characters of letters, digits, '.', '_', '-' and '*')");
                    }
                    rules.add(new Rule(i + 1, principal, actions, glob(f[3])));
                }
                case "quota" -> {
                    String usage = "expected 'quota <principal|*> [bytes-per-second N] [messages-per-second N]'";
                    if (f.length != 4 && f.length != 6) {
                        throw new IllegalArgumentException(where + usage);
                    }
                    String principal = f[1].equals("*") ? "*" : checkPrincipal(where, f[1]);
                    long bytes = 0;
                    long messages = 0;
                    for (int k = 2; k < f.length; k += 2) {
                        long v = rate(where, f[k], f[k + 1]);
                        switch (f[k]) {
                            case "bytes-per-second" -> bytes = v;
                            case "messages-per-second" -> messages = v;
                            default -> throw new IllegalArgumentException(where + "'" + f[k] + "' (" + usage + ")");
                        }
                    }
                    if (f.length == 6 && f[2].equals(f[4])) {
                        throw new IllegalArgumentException(where + "'" + f[2] + "' twice (" + usage + ")");
                    }
                    if (quotas.putIfAbsent(principal, new Quota(bytes, messages)) != null) {
                        throw new IllegalArgumentException(where + "principal '" + principal
                                + "' already has a quota (line " + quotaLines.get(principal) + ")");
                    }
                    quotaLines.put(principal, i + 1);
                }
                default ->
                    throw new IllegalArgumentException(
                            where + "unknown keyword '" + f[0] + "' (expected: token, allow or quota)");
            }
        }
        for (Rule r : rules) {
            if (!r.principal().equals("*") && !named.contains(r.principal())) {
                throw new IllegalArgumentException(source + " line " + r.line() + ": principal '" + r.principal()
                        + "' has no token line (a typo?)");
            }
        }
        for (Map.Entry<String, Integer> q : quotaLines.entrySet()) {
            if (!q.getKey().equals("*") && !named.contains(q.getKey())) {
                throw new IllegalArgumentException(source + " line " + q.getValue() + ": principal '" + q.getKey()
                        + "' has no token line (a typo?)");
            }
        }
        return new AccessControl(principals, rules, quotas);
    }

    private static long rate(String where, String name, String value) {
        long v;
        try {
            v = Long.parseLong(value);
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v <= 0) {
            throw new IllegalArgumentException(where + name + " '" + value + "' (expected: a whole number > 0)");
        }
        return v;
    }

    /**
     * The produce quota of {@code principal}: its own {@code quota} line, else the {@code quota *} line, else null
     * (the broker's default applies).
     */
    public Quota quotaFor(String principal) {
        Quota q = quotas.get(principal);
        return q != null ? q : quotas.get("*");
    }

    /** The principal a bearer token stands for, or null if the token is unknown. */
    public String principalForToken(String token) {
        return token == null || token.isEmpty() ? null : principalByTokenDigest.get(digest(token));
    }

    /** True if some rule lets {@code principal} do {@code action} on {@code topic}. */
    public boolean allows(String principal, Action action, String topic) {
        for (Rule r : rules) {
            if (r.allows(principal, action, topic)) {
                return true;
            }
        }
        return false;
    }

    /** The reason given when {@link #allows} says no. */
    public static String denial(String principal, Action action, String topic) {
        return "principal '" + principal + "' lacks " + action.label() + " on topic '" + topic + "'";
    }

    /** Number of tokens and rules, for the startup line. */
    @Override
    public String toString() {
        return "AccessControl(" + principalByTokenDigest.size() + " tokens, " + rules.size() + " rules"
                + (quotas.isEmpty() ? "" : ", " + quotas.size() + " quotas") + ")";
    }

    private static String checkPrincipal(String where, String name) {
        if (!PRINCIPAL.matcher(name).matches()) {
            throw new IllegalArgumentException(where + "principal '" + name
                    + "' (expected: 1-128 characters of letters, digits, '.', '_', '@', ':' and '-')");
        }
        return name;
    }

    /** A topic pattern as a regular expression: '*' is any run of characters, the rest is literal. */
    private static Pattern glob(String pattern) {
        String[] parts = pattern.split("\\*", -1);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append(".*");
            }
            if (!parts[i].isEmpty()) {
                re.append(Pattern.quote(parts[i]));
            }
        }
        return Pattern.compile(re.toString());
    }

    private static String digest(String token) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
