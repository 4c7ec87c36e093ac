package dev.userprofiles.profile;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;

/**
 * One page of {@code GET /users}, ordered by id. Keyset paging: a page costs one index
 * range scan however deep it is, and no {@code COUNT(*)}.
 *
 * @param content the profiles on this page
 * @param size requested page size (after capping)
 * @param next the path of the next page, or {@code null} on the last page
 */
@Schema(requiredProperties = { "content", "size", "next" })
record ProfilePage(List<UserProfile> content, int size, @Schema(nullable = true) @Nullable String next) {

}
