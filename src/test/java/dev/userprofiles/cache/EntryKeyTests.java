package dev.userprofiles.cache;

import java.nio.charset.StandardCharsets;

import dev.userprofiles.infra.WithoutInfrastructure;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

@WithoutInfrastructure
class EntryKeyTests {

	@Test
	void leaseOfAPlainKeyIsHashTaggedIntoTheValuesSlot() {
		byte[] key = bytes("profiles:users::42");

		byte[] lease = EntryKey.of(key).lease();

		assertThat(new String(lease, StandardCharsets.UTF_8)).isEqualTo("{profiles:users::42}~lease");
		assertThat(SlotHash.getSlot(lease)).isEqualTo(SlotHash.getSlot(key));
	}

	@Test
	void leaseOfAKeyWithAHashTagKeepsThatTag() {
		byte[] key = bytes("profiles:users::{tenant-7}:42");

		byte[] lease = EntryKey.of(key).lease();

		assertThat(new String(lease, StandardCharsets.UTF_8)).isEqualTo("profiles:users::{tenant-7}:42~lease");
		assertThat(SlotHash.getSlot(lease)).isEqualTo(SlotHash.getSlot(key));
	}

	@Test
	void keyWithABraceButNoHashTagIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> EntryKey.of(bytes("users::{}42")).lease());
		assertThatIllegalArgumentException().isThrownBy(() -> EntryKey.of(bytes("users::{42")).lease());
	}

	private static byte[] bytes(String key) {
		return key.getBytes(StandardCharsets.UTF_8);
	}

}
