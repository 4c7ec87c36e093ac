package dev.userprofiles.changes;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Change data capture: which slot and publication to follow, as whom, and how often to
 * check on it (see {@code ChangeCapture}).
 *
 * @param enabled whether instances follow the profile table's changes (only with
 * {@code spring.cache.type=redis})
 * @param slot the logical replication slot; one per deployment, shared by its instances
 * (only one follows it at a time)
 * @param publication the publication on the profile table (migration V3)
 * @param username the role that decodes: it needs {@code REPLICATION} and no table; the
 * data source's when not set
 * @param password that role's password; the data source's when not set
 * @param retryInterval how often an instance that does not follow the slot tries to take
 * it over; a dead follower is replaced within about this long
 * @param heartbeatInterval how often the follower writes a heartbeat through the WAL, so
 * that the slot's position advances and its lag is measured while the table is quiet
 * @param clearAbove a transaction changing more rows than this clears the cache instead
 * of invalidating row by row
 */
@ConfigurationProperties("profiles.cdc")
@Validated
record ChangeCaptureProperties(@DefaultValue("true") boolean enabled,
		@DefaultValue("profiles_cache_invalidation") @NotEmpty String slot,
		@DefaultValue("user_profile_changes") @NotEmpty String publication, @Nullable String username,
		@Nullable String password, @DefaultValue("1s") Duration retryInterval,
		@DefaultValue("1s") Duration heartbeatInterval, @DefaultValue("1000") @Min(1) int clearAbove) {

}
