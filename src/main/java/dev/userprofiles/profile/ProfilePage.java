package dev.userprofiles.profile;

import java.util.List;

import org.springframework.data.domain.Page;

/**
 * One page of {@code GET /users}, ordered by id.
 *
 * @param content the profiles on this page
 * @param page zero-based page number
 * @param size requested page size (after capping)
 * @param totalElements number of profiles in all pages
 * @param totalPages number of pages of this size
 */
record ProfilePage(List<UserProfile> content, int page, int size, long totalElements, int totalPages) {

	static ProfilePage of(Page<UserProfile> page) {
		return new ProfilePage(page.getContent(), page.getNumber(), page.getSize(), page.getTotalElements(),
				page.getTotalPages());
	}

}
