package io.creditflow.cli;

import io.creditflow.broker.SubscriptionPolicy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a subscription policy as the broker spells it ({@code block}, {@code drop-oldest},
 * {@code drop-newest}, {@code disconnect}; {@code DROP_OLDEST} too); anything else is a usage error
 * listing the values. Also the option's completion candidates. Stateless and thread-safe.
 */
final class PolicyConverter implements ITypeConverter<SubscriptionPolicy>, Iterable<String> {
    @Override
    public SubscriptionPolicy convert(String value) {
        try {
            return SubscriptionPolicy.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "' (expected: " + String.join(", ", this) + ")");
        }
    }

    /** The labels, in declaration order. */
    @Override
    public Iterator<String> iterator() {
        List<String> labels = new ArrayList<>();
        for (SubscriptionPolicy p : SubscriptionPolicy.values()) {
            labels.add(p.label());
        }
        return labels.iterator();
    }
}
