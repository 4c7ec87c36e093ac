package dev.userprofiles.cache;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.userprofiles.infra.WithoutInfrastructure;
import io.lettuce.core.cluster.RedisClusterClient;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * {@link CacheRedis} is the cache layer's one way to Redis: no other class of it opens a
 * connection, sends through a template or calls the breaker. (That each command passes
 * {@link CacheRedis#execute} is the rule for the code inside it; the Redis-level tests
 * check the guard of each operation.)
 */
@WithoutInfrastructure
class CacheRedisTests {

	private static final JavaClasses CACHE_LAYER = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages(CacheRedis.class.getPackageName());

	@Test
	void onlyCacheRedisOpensConnectionsOrUsesTheBreaker() {
		noClasses().that()
			.doNotBelongToAnyOf(CacheRedis.class, RedisBreaker.class)
			.should()
			.accessClassesThat()
			.belongToAnyOf(RedisTemplate.class, RedisClusterClient.class, RedisBreaker.class)
			.orShould()
			.callMethodWhere(target(owner(assignableTo(RedisConnectionFactory.class))))
			.check(CACHE_LAYER);
	}

}
