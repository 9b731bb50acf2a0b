package io.cutover.proxy.server.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** How many brokers an injected {@link io.cutover.proxy.server.embedded.EmbeddedKafkaCluster} has. */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
public @interface Brokers {
    int value() default 1;
}
