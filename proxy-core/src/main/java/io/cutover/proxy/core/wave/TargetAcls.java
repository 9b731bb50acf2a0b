package io.cutover.proxy.core.wave;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A cluster's ACLs and how its authorizer decides with them, as Kafka's StandardAuthorizer does: a
 * super user may do anything; otherwise the bindings whose pattern covers the resource (the literal
 * name, the literal wildcard {@code *}, or a prefix of the name) and whose principal ({@code User:name}
 * or {@code User:*}) and host (the address or {@code *}) match are read; a DENY for the operation or
 * for ALL wins over any ALLOW; an ALLOW for the operation or ALL allows it, and READ, WRITE, DELETE and
 * ALTER allow DESCRIBE too (ALTER_CONFIGS allows DESCRIBE_CONFIGS); with no binding on the resource
 * at all, {@code allow.everyone.if.no.acl.found} decides. Pure: the gate reads the bindings once and
 * asks this for every principal, resource and operation.
 */
public final class TargetAcls {
    private final List<AclBinding> bindings;
    private final Set<String> superUsers;
    private final boolean allowIfNoAcl;

    /**
     * @param superUsers the broker's {@code super.users}, as principals ({@code User:admin})
     * @param allowIfNoAcl the broker's {@code allow.everyone.if.no.acl.found}
     */
    public TargetAcls(Collection<AclBinding> bindings, Set<String> superUsers, boolean allowIfNoAcl) {
        this.bindings = List.copyOf(bindings);
        this.superUsers = Set.copyOf(superUsers);
        this.allowIfNoAcl = allowIfNoAcl;
    }

    /** Whether {@code principal} (as {@code User:name}) connecting from {@code host} may do {@code op} on the resource, and why. */
    public Verdict authorize(String principal, String host, ResourceType type, String name, AclOperation op) {
        if (superUsers.contains(principal)) {
            return new Verdict(true, principal + " is a super user");
        }
        boolean anyOnResource = false;
        AclBinding allowedBy = null;
        for (AclBinding b : bindings) {
            if (!covers(b.pattern(), type, name)) {
                continue;
            }
            anyOnResource = true;
            AccessControlEntry e = b.entry();
            if (!principalMatches(e.principal(), principal) || !hostMatches(e.host(), host)) {
                continue;
            }
            if (e.permissionType() == AclPermissionType.DENY && (e.operation() == op || e.operation() == AclOperation.ALL)) {
                return new Verdict(false, "denied by " + describe(b));
            }
            if (e.permissionType() == AclPermissionType.ALLOW && allowedBy == null && allows(e.operation(), op)) {
                allowedBy = b;
            }
        }
        if (allowedBy != null) {
            return new Verdict(true, "allowed by " + describe(allowedBy));
        }
        if (!anyOnResource && allowIfNoAcl) {
            return new Verdict(true, "no ACL on the resource and allow.everyone.if.no.acl.found=true");
        }
        return new Verdict(false, "no ACL allows it");
    }

    /** Whether the pattern names the resource: its literal name, the literal wildcard, or a prefix of it. */
    static boolean covers(ResourcePattern p, ResourceType type, String name) {
        if (p.resourceType() != type) {
            return false;
        }
        return switch (p.patternType()) {
            case LITERAL -> p.name().equals(name) || p.name().equals(ResourcePattern.WILDCARD_RESOURCE);
            case PREFIXED -> name.startsWith(p.name());
            default -> false;
        };
    }

    private static boolean principalMatches(String aclPrincipal, String principal) {
        return aclPrincipal.equals(principal) || aclPrincipal.equals("User:*");
    }

    private static boolean hostMatches(String aclHost, String host) {
        return aclHost.equals("*") || aclHost.equals(host);
    }

    /** An ALLOW of {@code granted} covers {@code wanted}: the same, ALL, or an operation that implies DESCRIBE (or DESCRIBE_CONFIGS). */
    static boolean allows(AclOperation granted, AclOperation wanted) {
        if (granted == wanted || granted == AclOperation.ALL) {
            return true;
        }
        if (wanted == AclOperation.DESCRIBE) {
            return granted == AclOperation.READ || granted == AclOperation.WRITE || granted == AclOperation.DELETE
                || granted == AclOperation.ALTER;
        }
        return wanted == AclOperation.DESCRIBE_CONFIGS && granted == AclOperation.ALTER_CONFIGS;
    }

    private static String describe(AclBinding b) {
        AccessControlEntry e = b.entry();
        String pattern = b.pattern().patternType() == PatternType.PREFIXED ? b.pattern().name() + "* (prefixed)" : b.pattern().name();
        return e.permissionType() + " " + e.operation() + " for " + e.principal() + " from " + e.host() + " on "
            + b.pattern().resourceType() + " " + pattern;
    }

    /** The bindings, for evidence. */
    public List<String> describeAll() {
        List<String> out = new ArrayList<>();
        bindings.forEach(b -> out.add(describe(b)));
        return out;
    }

    public record Verdict(boolean allowed, String reason) {
    }
}
