package dev.userprofiles.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which profile a request asks for: Zipf-distributed (a few hot profiles, a long tail) or
 * uniform over ids {@code 1..profiles}.
 */
interface IdSampler {

	long next(SplittableRandom random);

	/** {@code zipf} or {@code uniform}. */
	String name();

	static IdSampler uniform(int profiles) {
		return new IdSampler() {

			@Override
			public long next(SplittableRandom random) {
				return 1 + random.nextInt(profiles);
			}

			@Override
			public String name() {
				return "uniform";
			}

		};
	}

	/**
	 * Zipf with exponent {@code s}: rank {@code k} (from 1) is drawn with probability
	 * proportional to {@code 1/k^s}, by binary search over the cumulative distribution.
	 * Ranks map to ids through a fixed permutation, so hot profiles are spread over the
	 * table as in real data rather than being ids 1, 2, 3.
	 */
	static IdSampler zipf(int profiles, double s) {
		double[] cumulative = new double[profiles];
		double sum = 0;
		for (int rank = 1; rank <= profiles; rank++) {
			sum += 1 / Math.pow(rank, s);
			cumulative[rank - 1] = sum;
		}
		for (int i = 0; i < profiles; i++) {
			cumulative[i] /= sum;
		}
		return new IdSampler() {

			@Override
			public long next(SplittableRandom random) {
				int index = Arrays.binarySearch(cumulative, random.nextDouble());
				int rank = (index >= 0) ? index : Math.min(-index - 1, profiles - 1);
				return zipfId(rank, profiles);
			}

			@Override
			public String name() {
				return "zipf";
			}

		};
	}

	/** The id of the profile at {@code rank} (0: the hottest) of {@link #zipf}. */
	static long zipfId(int rank, int profiles) {
		// A prime above every profile count used: multiplying by it permutes 0..n-1.
		long scramble = 1_000_003;
		return 1 + (rank * scramble) % profiles;
	}

}
