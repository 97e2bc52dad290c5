/**
 * Concept-drift detectors: online tests that watch a stream of real values (for Backstream, a model's prequential
 * loss, the loss of each prediction made before the model learns the sample) and signal when its mean changes. Like
 * {@code dev.backstream.nn}, this package depends on the JDK only; an architecture test keeps it so.
 *
 * <h2>The contract</h2>
 * {@link dev.backstream.drift.DriftDetector#update(double)} takes the next value and returns {@code true} exactly on
 * the value at which a change is detected; {@link dev.backstream.drift.Detection} says what fired (the statistic, its
 * threshold, and what the detector knows of the means before and after). After a detection a detector starts afresh,
 * so one change raises one alarm. The whole state, settings included, has a compact, versioned, little-endian binary
 * encoding, from which a detector continues bit for bit: it can live in a Kafka Streams store and survive a crash.
 * {@link dev.backstream.drift.DriftSettings#of} and {@link dev.backstream.drift.DriftDetector#create} build a detector
 * from a model definition's {@code type} ({@code "adwin"} or {@code "page-hinkley"}) and parameter map, with River's
 * parameter names and defaults.
 *
 * <h2>ADWIN</h2>
 * {@link dev.backstream.drift.Adwin} keeps a window {@code W} of recent values that grows while the stream looks
 * stationary and shrinks when it does not: whenever two sub-windows {@code W = W0 · W1} have means that differ by more
 * than {@code ε_cut = sqrt(2/m · σ²_W · ln(2/δ')) + 2/(3m) · ln(2/δ')} ({@code 1/m = 1/n0 + 1/n1},
 * {@code δ' = δ / ln n}), the older part is dropped. ADWIN2 summarises the window in an exponential histogram of
 * {@code O(M log n)} buckets, so memory and time per test are logarithmic in the window length. The paper bounds both
 * errors (its Theorem 3): while the mean is constant, a test cuts the window with probability at most {@code δ}; and a
 * difference of the means of two sub-windows larger than {@code 2 ε_cut} is cut with probability at least
 * {@code 1 − δ}, so a change by {@code ε} is found once the new values number about {@code ln(n/δ)/ε²}. The bound is
 * derived for values in {@code [0, 1]}; scale the monitored value into that interval where possible.
 * <ul>
 *   <li>A. Bifet and R. Gavaldà. Learning from Time-Changing Data with Adaptive Windowing. SIAM International
 *       Conference on Data Mining (SDM), 2007, 443–448.</li>
 *   <li>MOA's {@code moa.classifiers.core.driftdetection.ADWIN} and River's {@code river.drift.ADWIN}, whose test
 *       schedule ({@code clock}, {@code grace_period}, {@code min_window_length}) this implementation follows.</li>
 * </ul>
 *
 * <h2>Page-Hinkley</h2>
 * {@link dev.backstream.drift.PageHinkley} accumulates the deviations of each value from the running mean, less a
 * tolerance {@code δ}, in a sum reflected at zero and faded by {@code α}, and signals a change when the sum reaches
 * {@code λ}: {@code U_t = max(0, α U_{t−1} + x_t − x̄_t − δ)} for an increase, symmetrically for a decrease. It detects
 * a jump of the mean by {@code Δ} after about {@code λ / (Δ − δ)} values and costs {@code O(1)} time and memory, but
 * {@code δ} and {@code λ} are in the units of the monitored value, so its false-alarm rate depends on the noise: the
 * defaults ({@code λ = 50}) suit low-variance values such as a small error rate, and must be raised for noisier ones.
 * <ul>
 *   <li>E. S. Page. Continuous Inspection Schemes. Biometrika 41(1/2), 1954, 100–115.</li>
 *   <li>J. Gama, I. Žliobaitė, A. Bifet, M. Pechenizkiy and A. Bouchachia. A Survey on Concept Drift Adaptation.
 *       ACM Computing Surveys 46(4), 2014, article 44.</li>
 *   <li>River's {@code river.drift.PageHinkley}, whose recurrence and defaults this implementation follows.</li>
 * </ul>
 */
package dev.backstream.drift;
