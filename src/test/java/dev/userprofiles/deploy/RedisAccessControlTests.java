package dev.userprofiles.deploy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.userprofiles.infra.ApiClient;
import dev.userprofiles.infra.RedisKeys;
import dev.userprofiles.infra.ServiceTest;
import dev.userprofiles.infra.TestCredentials;
import dev.userprofiles.infra.TestInfrastructure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.internal.HostAndPort;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.env.ConfigTreePropertySource;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The service reaches Redis as a user of {@code k8s/base/redis-users.acl} that can run
 * only the commands it sends, with a password it reads from a file; nobody gets in
 * without credentials, and no password is on any node's command line. (That the
 * allow-list is complete is checked after every test class: {@code RedisAclAudit}.)
 */
@ServiceTest
class RedisAccessControlTests {

	/**
	 * Commands an attacker holding the service's password would want, none of them used.
	 */
	private static final List<List<String>> FORBIDDEN = List.of(List.of("FLUSHALL"), List.of("FLUSHDB"),
			List.of("KEYS", "*"), List.of("CONFIG", "GET", "maxmemory"), List.of("CONFIG", "SET", "maxmemory", "1"),
			List.of("MONITOR"), List.of("SHUTDOWN", "NOSAVE"), List.of("ACL", "LIST"),
			List.of("ACL", "SETUSER", "intruder", "on", ">x", "+@all"), List.of("CLUSTER", "RESET"),
			List.of("CLUSTER", "FAILOVER"), List.of("CLIENT", "KILL", "TYPE", "normal"), List.of("SCRIPT", "FLUSH"),
			List.of("SAVE"), List.of("REPLICAOF", "NO", "ONE"), List.of("FUNCTION", "FLUSH"));

	private static final RedisClient client = RedisClient.create();

	@Autowired
	private TestInfrastructure infrastructure;

	@Autowired
	private ConfigurableEnvironment environment;

	@LocalServerPort
	private int port;

	@BeforeAll
	static void timeouts() {
		client.setDefaultTimeout(Duration.ofSeconds(5));
	}

	@AfterAll
	static void clearProvokedRefusals() {
		// The refusals provoked here are expected; RedisAclAudit looks for others.
		for (HostAndPort node : TestInfrastructure.get().redisNodes()) {
			try (StatefulRedisConnection<String, String> admin = client
				.connect(TestInfrastructure.redisAdminUri(node))) {
				admin.sync().aclLogReset();
			}
		}
		client.shutdown();
	}

	@Test
	void theServiceUserIsRefusedEveryAdministrativeCommandOnEveryNode() {
		for (HostAndPort node : this.infrastructure.redisNodes()) {
			try (StatefulRedisConnection<String, String> admin = client.connect(TestInfrastructure.redisAdminUri(node));
					StatefulRedisConnection<String, String> service = client.connect(serviceUri(node))) {
				long keysBefore = admin.sync().dbsize();
				for (List<String> command : FORBIDDEN) {
					assertRefused(node + " " + command, "NOPERM", () -> dispatch(service.sync(), command));
				}
				// DEBUG is refused to everyone by enable-debug-command before ACLs are
				// asked;
				// ACL DRYRUN tells what the ACL alone would do, for every command.
				for (List<String> command : concat(FORBIDDEN, List.of(List.of("DEBUG", "SLEEP", "0")))) {
					List<String> dryRun = new ArrayList<>(List.of("ACL", "DRYRUN", TestCredentials.REDIS_USER));
					dryRun.addAll(command);
					assertThat(dispatch(admin.sync(), dryRun)).as("ACL DRYRUN %s", command)
						.contains("has no permissions to run");
				}
				// Nor through a script: Redis checks the commands a script calls.
				assertRefused(node + " EVAL flushall",
						"ERR (The user executing the script can't run|ACL failure in script)", () -> service.sync()
							.eval("return redis.call('FLUSHALL')", ScriptOutputType.STATUS, new String[0]));
				assertThat(admin.sync().dbsize()).as("keys on %s after the refused commands", node)
					.isEqualTo(keysBefore);
				assertThat(admin.sync().ping()).isEqualTo("PONG");
			}
		}
	}

	@Test
	void connectionsWithoutTheRightCredentialsCanDoNothing() throws IOException {
		HostAndPort node = this.infrastructure.redisNodes().get(0);
		// A bare socket: clients send HELLO or CLIENT SETINFO first, which fail here too.
		try (Socket socket = new Socket(node.getHostText(), node.getPort())) {
			socket.setSoTimeout(5000);
			BufferedReader replies = new BufferedReader(
					new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
			assertThat(send(socket, replies, "GET", "any")).as("GET without credentials").startsWith("-NOAUTH");
			String servicePassword = TestCredentials.get().redisPassword();
			for (List<String> wrong : List.of(List.of(TestCredentials.REDIS_USER, "not-the-password"),
					List.of(TestCredentials.REDIS_ADMIN, servicePassword), List.of("default", servicePassword),
					List.of("replication", servicePassword))) {
				assertThat(send(socket, replies, "AUTH", wrong.get(0), wrong.get(1))).as("AUTH " + wrong.get(0))
					.startsWith("-WRONGPASS");
			}
			assertThat(send(socket, replies, "FLUSHALL")).as("FLUSHALL after the refused logins").startsWith("-NOAUTH");
		}
	}

	/** Sends one command in RESP and returns the first line of the reply. */
	private static String send(Socket socket, BufferedReader replies, String... command) throws IOException {
		StringBuilder request = new StringBuilder("*" + command.length + "\r\n");
		for (String part : command) {
			request.append('$')
				.append(part.getBytes(StandardCharsets.UTF_8).length)
				.append("\r\n")
				.append(part)
				.append("\r\n");
		}
		socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
		socket.getOutputStream().flush();
		return replies.readLine();
	}

	@Test
	void theServiceAuthenticatesAsItsUserWithThePasswordFromAFile(@Autowired RedisConnectionFactory connectionFactory) {
		// The password property comes from a file of a configtree import, as from a
		// Kubernetes Secret mounted as a volume.
		assertThat(this.environment.getPropertySources()
			.stream()
			.filter((source) -> source instanceof ConfigTreePropertySource)
			.filter((source) -> source.containsProperty("spring.data.redis.password"))).isNotEmpty();
		long id = new ApiClient()
			.post("http://localhost:" + this.port + "/users",
					ApiClient.profileJson("acl" + System.nanoTime() % 1_000_000_000, "Cached as the service user"))
			.id();
		assertThat(new ApiClient().get("http://localhost:" + this.port + "/users/" + id).status()).isEqualTo(200);
		assertThat(new RedisKeys(connectionFactory).exists(RedisKeys.cacheKey("users", id))).as("cached by the service")
			.isTrue();
		int serviceConnections = 0;
		for (HostAndPort node : this.infrastructure.redisNodes()) {
			try (StatefulRedisConnection<String, String> admin = client
				.connect(TestInfrastructure.redisAdminUri(node))) {
				for (String line : admin.sync().clientList().split("\n")) {
					if (line.contains(" user=" + TestCredentials.REDIS_USER + " ")) {
						serviceConnections++;
					}
				}
				assertThat(admin.sync().clientList()).as("clients of %s", node).doesNotContain(" user=default ");
			}
		}
		assertThat(serviceConnections).as("connections of the service's user").isPositive();
	}

	@Test
	void noPasswordIsOnAnyNodesCommandLine() {
		List<String> commandLines = this.infrastructure.redisCommands();
		assertThat(commandLines).hasSize(TestInfrastructure.REDIS_NODES);
		for (String password : TestCredentials.get().redisNodeEnvironment().values()) {
			assertThat(commandLines).noneMatch((line) -> line.contains(password));
		}
		assertThat(commandLines).allMatch((line) -> line.contains("--cluster-enabled"));
	}

	private static String dispatch(RedisCommands<String, String> commands, List<String> command) {
		CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
		command.subList(1, command.size()).forEach(args::add);
		return commands.dispatch(CommandType.valueOf(command.get(0)), new StatusOutput<>(StringCodec.UTF8), args);
	}

	private static List<List<String>> concat(List<List<String>> first, List<List<String>> second) {
		List<List<String>> all = new ArrayList<>(first);
		all.addAll(second);
		return all;
	}

	/**
	 * The error starts with the regular expression {@code error} (Redis 7 and 8 word them
	 * differently).
	 */
	private static void assertRefused(String what, String error, Executable call) {
		assertThatException().as(what)
			.isThrownBy(call::execute)
			.isInstanceOf(RedisCommandExecutionException.class)
			.satisfies((ex) -> assertThat(ex.getMessage()).containsPattern("^(" + error + ")"));
	}

	private static RedisURI serviceUri(HostAndPort node) {
		return uri(node, TestCredentials.REDIS_USER, TestCredentials.get().redisPassword());
	}

	private static RedisURI uri(HostAndPort node, String username, String password) {
		return RedisURI.Builder.redis(node.getHostText(), node.getPort())
			.withAuthentication(username, password)
			.build();
	}

}
