package io.cutover.proxy.server.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How many brokers an injected {@link io.cutover.proxy.server.embedded.EmbeddedKafkaCluster} has, and
 * which of the shared clusters it is: tests that need a source and a target ask for two names. With
 * {@code authorizer}, the cluster checks ACLs (Kafka's StandardAuthorizer); its plaintext clients are
 * {@code User:ANONYMOUS}, a super user, so tests and the proxy manage it freely while the ACLs they
 * set are what other principals get.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface Brokers {
    int value() default 1;

    String name() default "source";

    boolean authorizer() default false;
}
