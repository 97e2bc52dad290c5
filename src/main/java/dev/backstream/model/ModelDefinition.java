package dev.backstream.model;

import dev.backstream.features.FeatureSpec;
import dev.backstream.features.Preprocessing;
import dev.backstream.nn.Architecture;
import dev.backstream.nn.BinaryModelFormat;
import dev.backstream.nn.Mlp;
import dev.backstream.nn.OptimizerSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One declared model: its id, the model a fresh start begins from (initialized from a seed, or a warm-start
 * snapshot), how often it is snapshotted, its drift detection and its challengers: other models (another architecture
 * or optimizer, the same inputs, loss and output layer) that learn from the same samples, each a definition of its
 * own with id {@code <champion>:<name>}; and, for a model that learns from raw events, its feature spec and the
 * preprocessing state a fresh start begins from. An immutable value, safe to share between threads: it keeps the
 * starting model's parameters and optimizer state (and the starting preprocessing state) as bytes, never a live model,
 * and {@link #newModel()} ({@link #newPreprocessing()}) builds a new one from them each time.
 */
public final class ModelDefinition {
    /** The one character a model id may not contain: the model store's separator between an id and its other keys. */
    public static final char RESERVED_ID_CHARACTER = '\u0000';
    private final String id;
    private final Architecture architecture;
    private final OptimizerSpec optimizer;
    private final byte[] initial;
    private final long snapshotEveryUpdates;
    private final String source;
    private final DriftSpec drift;
    private final FeatureSpec features;
    /** The starting preprocessing state ({@link Preprocessing#toBytes()}), or null: a fresh one (or no spec). */
    private final byte[] initialPreprocessing;
    /** By name, in declaration order; each with id {@code <id>:<name>}, no drift detection and no challengers. */
    private final Map<String, ModelDefinition> challengers;
    private static final short ENCODING = 4;
    private static final short ENCODING_WITHOUT_FEATURES = 3;
    private static final short ENCODING_WITHOUT_CHALLENGERS = 2;
    private static final short ENCODING_WITHOUT_DRIFT = 1;
    /** What a challenger's name may be made of. */
    public static final Pattern CHALLENGER_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    /**
     * @param id                   the model id that samples name
     * @param initial              the starting model; its state is copied, the model itself is not kept
     * @param snapshotEveryUpdates publish a snapshot every this many updates
     * @param source               where the definition came from, for messages
     */
    public ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source) {
        this(id, initial, snapshotEveryUpdates, source, null);
    }

    /**
     * @param drift the model's drift detection, or null for none
     * @see #ModelDefinition(String, Mlp, long, String)
     */
    public ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source, DriftSpec drift) {
        this(id, initial, snapshotEveryUpdates, source, drift, Map.of());
    }

    /**
     * @param challengers the model's challengers by name (copied, order kept): each a definition with id
     *                    {@code <id>:<name>}, the same inputs, loss and output layer as this one, and neither drift
     *                    detection nor challengers of its own
     * @see #ModelDefinition(String, Mlp, long, String, DriftSpec)
     */
    public ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source, DriftSpec drift,
                           Map<String, ModelDefinition> challengers) {
        this(id, initial, snapshotEveryUpdates, source, drift, challengers, null);
    }

    /**
     * @param features how raw events become this model's inputs and labels, or null for a model that learns from samples
     *                 only; its width must be the model's number of inputs
     * @see #ModelDefinition(String, Mlp, long, String, DriftSpec, Map)
     */
    public ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source, DriftSpec drift,
                           Map<String, ModelDefinition> challengers, FeatureSpec features) {
        this(id, initial, snapshotEveryUpdates, source, drift, challengers, features, null);
    }

    /**
     * @param initialPreprocessing the preprocessing state a fresh start begins from (copied; e.g. a warm-start
     *                             snapshot's), or null for a fresh state; only with {@code features}
     * @see #ModelDefinition(String, Mlp, long, String, DriftSpec, Map, FeatureSpec)
     */
    public ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source, DriftSpec drift,
                           Map<String, ModelDefinition> challengers, FeatureSpec features, Preprocessing initialPreprocessing) {
        this(id, initial, snapshotEveryUpdates, source, drift, challengers, features,
                initialPreprocessing == null ? null : initialPreprocessing.toBytes(), initialPreprocessing != null);
    }

    private ModelDefinition(String id, Mlp initial, long snapshotEveryUpdates, String source, DriftSpec drift,
                            Map<String, ModelDefinition> challengers, FeatureSpec features, byte[] initialPreprocessing,
                            boolean checkPreprocessing) {
        this.id = Objects.requireNonNull(id, "id");
        if (id.indexOf(RESERVED_ID_CHARACTER) >= 0) {
            throw new IllegalArgumentException(source + ": model id \"" + id.replace(RESERVED_ID_CHARACTER, '?')
                    + "\" contains U+0000 at index " + id.indexOf(RESERVED_ID_CHARACTER)
                    + "; expected none (the model store separates a model id from its metrics chunks with it)");
        }
        Objects.requireNonNull(initial, "initial");
        if (snapshotEveryUpdates < 1) {
            throw new IllegalArgumentException(source + ": snapshotEveryUpdates must be >= 1, found " + snapshotEveryUpdates);
        }
        this.architecture = initial.architecture();
        this.optimizer = initial.optimizer();
        this.initial = BinaryModelFormat.encode(initial);
        this.snapshotEveryUpdates = snapshotEveryUpdates;
        this.source = source;
        this.drift = drift;
        this.features = features;
        if (features != null && features.width() != architecture.inputs()) {
            throw new IllegalArgumentException(source + ": the feature spec of model '" + id + "' makes " + features.width()
                    + " columns; expected the model's " + architecture.inputs() + " inputs");
        }
        if (features != null) {
            checkLabel(features);
        }
        if (initialPreprocessing != null && features == null) {
            throw new IllegalArgumentException(source + ": model '" + id + "' has a preprocessing state but no feature spec");
        }
        if (checkPreprocessing && initialPreprocessing != null) {
            Preprocessing.fromBytes(features, initialPreprocessing); // refuses a state of another spec here, not at the first start
        }
        this.initialPreprocessing = initialPreprocessing;
        Map<String, ModelDefinition> byName = new LinkedHashMap<>();
        for (Map.Entry<String, ModelDefinition> entry : challengers.entrySet()) {
            String name = entry.getKey();
            ModelDefinition challenger = entry.getValue();
            checkChallenger(name, challenger);
            byName.put(name, challenger);
        }
        this.challengers = Collections.unmodifiableMap(byName);
        if (drift != null && drift.action() == DriftSpec.Action.CHALLENGER && byName.isEmpty()) {
            throw new IllegalArgumentException(source + ": drift.action \"challenger\" needs at least one challenger; model '" + id
                    + "' declares none (\"challengers\": [...])");
        }
    }

    /** The spec's label must be one the model learns: as many classes as the model has, or a number for one output unit. */
    private void checkLabel(FeatureSpec features) {
        int labelClasses = features.labelClassCount();
        String label = source + ": the feature spec's label (\"" + features.labelPath() + "\") ";
        if (labelClasses > 0 && architecture.classes() != labelClasses) {
            throw new IllegalArgumentException(label + "has " + labelClasses + " classes; model '" + id + "' "
                    + (architecture.classes() == 0 ? "is not a classifier (" + architecture.outputs() + " " + architecture.outputActivation()
                    + " output units)" : "has " + architecture.classes()) + "; expected a softmax output of " + labelClasses + " units"
                    + (labelClasses == 2 ? " or a single sigmoid unit" : ""));
        }
        if (labelClasses == 0 && (architecture.outputs() != 1 || architecture.classes() > 0)) {
            // a classifier scores a prediction against a class (its metrics, its drift monitor, a delayed label's loss): a
            // number label on one sigmoid unit would be scored as a class on one path and as a target on another
            throw new IllegalArgumentException(label + "is a number, the target of one regression output unit; model '" + id + "' has "
                    + architecture.outputs() + " " + architecture.outputActivation().name().toLowerCase(java.util.Locale.ROOT)
                    + " output unit(s) with loss " + architecture.loss().name().toLowerCase(java.util.Locale.ROOT)
                    + (architecture.classes() > 0 ? ", a classifier: use a \"threshold\" or \"class\" label" : ""));
        }
    }

    private void checkChallenger(String name, ModelDefinition challenger) {
        String where = source + ": challenger '" + name + "' of model '" + id + "'";
        if (!CHALLENGER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + ": the name may hold only letters, digits, '_', '.' and '-'");
        }
        if (!challenger.id.equals(challengerId(id, name))) {
            throw new IllegalArgumentException(where + ": its id is '" + challenger.id + "'; expected '" + challengerId(id, name) + "'");
        }
        if (challenger.drift != null || !challenger.challengers.isEmpty()) {
            throw new IllegalArgumentException(where + ": a challenger has neither drift detection nor challengers of its own");
        }
        Architecture other = challenger.architecture;
        if (other.inputs() != architecture.inputs() || other.loss() != architecture.loss()) {
            throw new IllegalArgumentException(where + ": it has " + other.inputs() + " inputs and loss " + other.loss()
                    + "; expected the champion's " + architecture.inputs() + " inputs and loss " + architecture.loss());
        }
        if (other.outputs() != architecture.outputs() || other.outputActivation() != architecture.outputActivation()) {
            throw new IllegalArgumentException(where + ": its output layer has " + other.outputs() + " " + other.outputActivation()
                    + " units; expected the champion's " + architecture.outputs() + " " + architecture.outputActivation()
                    + " units, so that their predictions compare");
        }
    }

    /** The id of challenger {@code name} of model {@code champion}: {@code <champion>:<name>}. */
    public static String challengerId(String champion, String name) {
        return champion + ":" + name;
    }

    public String id() {
        return id;
    }

    public Architecture architecture() {
        return architecture;
    }

    public OptimizerSpec optimizer() {
        return optimizer;
    }

    public long snapshotEveryUpdates() {
        return snapshotEveryUpdates;
    }

    public String source() {
        return source;
    }

    /** The model's drift detection, or null if it has none. */
    public DriftSpec drift() {
        return drift;
    }

    /** How raw events become this model's inputs and labels, or null if it learns from samples only. */
    public FeatureSpec features() {
        return features;
    }

    /** This definition with a feature spec (null: none), starting from a fresh preprocessing state. */
    public ModelDefinition withFeatures(FeatureSpec features) {
        return new ModelDefinition(id, newModel(), snapshotEveryUpdates, source, drift, challengers, features, null, false);
    }

    /**
     * A new starting preprocessing state, owned by the caller: the declared one (a warm start's) bit for bit, or a fresh
     * {@link FeatureSpec#newState()}; null for a model without a feature spec.
     */
    public Preprocessing newPreprocessing() {
        if (features == null) {
            return null;
        }
        return initialPreprocessing == null ? features.newState() : Preprocessing.fromBytes(features, initialPreprocessing);
    }

    /** The model's challengers by name, in declaration order (empty if none). */
    public Map<String, ModelDefinition> challengers() {
        return challengers;
    }

    /**
     * This definition after challenger {@code name} was promoted: the champion starts from the challenger's starting
     * model (its architecture and optimizer), and challenger {@code name} from this one's. Id, snapshot cadence, drift
     * detection and the other challengers are kept.
     *
     * @throws IllegalArgumentException if there is no such challenger
     */
    public ModelDefinition promote(String name) {
        ModelDefinition challenger = challengers.get(name);
        if (challenger == null) {
            throw new IllegalArgumentException("model '" + id + "' has no challenger '" + name + "'; its challengers: " + challengers.keySet());
        }
        Map<String, ModelDefinition> swapped = new LinkedHashMap<>(challengers);
        // the starting preprocessing states swap too, where both learn through the same spec (the catalog's case)
        boolean sameSpec = Objects.equals(features, challenger.features);
        swapped.put(name, new ModelDefinition(challenger.id, newModel(), snapshotEveryUpdates, challenger.source, null, Map.of(),
                challenger.features, sameSpec ? initialPreprocessing : null, false));
        return new ModelDefinition(id, challenger.newModel(), snapshotEveryUpdates, source, drift, swapped, features,
                sameSpec ? challenger.initialPreprocessing : null, false);
    }

    /** A new starting model: the declared one, bit for bit, owned by the caller. */
    public Mlp newModel() {
        return BinaryModelFormat.decode(initial);
    }

    /** This definition with another snapshot cadence. */
    public ModelDefinition withSnapshotEveryUpdates(long snapshotEveryUpdates) {
        return new ModelDefinition(id, newModel(), snapshotEveryUpdates, source, drift, challengers, features, initialPreprocessing, false);
    }

    /**
     * This definition with other drift settings (null: none).
     *
     * @throws IllegalArgumentException if the settings need what the model lacks (the challenger action, challengers)
     */
    public ModelDefinition withDrift(DriftSpec drift) {
        if (drift != null && drift.action() == DriftSpec.Action.CHALLENGER && challengers.isEmpty()) {
            throw new IllegalArgumentException("drift.action: \"challenger\" needs challengers; model '" + id + "' declares none");
        }
        return new ModelDefinition(id, newModel(), snapshotEveryUpdates, source, drift, challengers, features, initialPreprocessing, false);
    }

    /** This definition whose starting model learns with {@code learningRate} (a reset starts from it). */
    public ModelDefinition withLearningRate(double learningRate) {
        return new ModelDefinition(id, newModel().withOptimizer(optimizer.withLearningRate(learningRate)), snapshotEveryUpdates, source, drift,
                challengers, features, initialPreprocessing, false);
    }

    /**
     * An upper bound on the JSON snapshot of this model or of any of its challengers (which a promotion makes the
     * model): at most 25 characters per number plus structure; with a feature spec, plus its canonical JSON and the
     * preprocessing state ({@code backstream.mlp/v2}: at most one entry of three numbers per column).
     */
    public int snapshotBytesBound() {
        // in long, clamped: a large model or a spec with millions of hashed columns must not wrap to a negative bound
        long bound = 4096 + 26L * architecture.parameterCount() * (1 + optimizer.stateVectors());
        if (features != null) {
            bound += 2L * featuresJson(features).length + 128L * features.width();
        }
        for (ModelDefinition challenger : challengers.values()) {
            bound = Math.max(bound, challenger.snapshotBytesBound());
        }
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    /** The definition in a binary form for the model store: {@link #decode} gives an equal definition back. */
    public byte[] encode() {
        byte[] name = id.getBytes(StandardCharsets.UTF_8);
        byte[] from = source.getBytes(StandardCharsets.UTF_8);
        byte[] driftJson = drift == null ? new byte[0] : drift.json().getBytes(StandardCharsets.UTF_8);
        byte[] featuresJson = features == null ? new byte[0] : featuresJson(features);
        byte[] preprocessing = initialPreprocessing == null ? new byte[0] : initialPreprocessing;
        int size = 2 + 4 + name.length + 8 + 4 + from.length + 4 + initial.length + 4 + driftJson.length + 4
                + 4 + featuresJson.length + 4 + preprocessing.length;
        byte[][] challengerNames = new byte[challengers.size()][];
        byte[][] encodedChallengers = new byte[challengers.size()][];
        int c = 0;
        for (Map.Entry<String, ModelDefinition> challenger : challengers.entrySet()) {
            challengerNames[c] = challenger.getKey().getBytes(StandardCharsets.UTF_8);
            encodedChallengers[c] = challenger.getValue().encode();
            size += 4 + challengerNames[c].length + 4 + encodedChallengers[c].length;
            c++;
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort(ENCODING).putInt(name.length).put(name).putLong(snapshotEveryUpdates).putInt(from.length).put(from)
                .putInt(initial.length).put(initial).putInt(driftJson.length).put(driftJson).putInt(challengers.size());
        for (int i = 0; i < challengerNames.length; i++) {
            out.putInt(challengerNames[i].length).put(challengerNames[i]).putInt(encodedChallengers[i].length).put(encodedChallengers[i]);
        }
        out.putInt(featuresJson.length).put(featuresJson).putInt(preprocessing.length).put(preprocessing);
        return out.array();
    }

    private static byte[] featuresJson(FeatureSpec features) {
        try {
            return dev.backstream.json.Json.MAPPER.writeValueAsBytes(features.toJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the feature spec could not be written as JSON", e);
        }
    }

    /**
     * Reads what {@link #encode} wrote: encoding 4, or 3 (challengers, no feature spec), 2 (drift, no challengers) and
     * 1 (neither) written by earlier versions.
     *
     * <p>Encoding 4 (little-endian, each byte string as a 4-byte length and its bytes): version, id, snapshot
     * cadence, source, the starting model ({@link BinaryModelFormat}), drift JSON (empty: none), the challengers (a
     * count, then name and encoding of each), the feature spec's canonical JSON ({@link FeatureSpec#toJson()}, empty:
     * none) and the starting preprocessing state ({@link Preprocessing#toBytes()}, empty: a fresh state).
     *
     * @throws IllegalStateException for anything else
     */
    public static ModelDefinition decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            short version = in.getShort();
            if (version < ENCODING_WITHOUT_DRIFT || version > ENCODING) {
                throw new IllegalStateException("model definition encoding " + version + " is not supported; expected "
                        + ENCODING_WITHOUT_DRIFT + ", " + ENCODING_WITHOUT_CHALLENGERS + ", " + ENCODING_WITHOUT_FEATURES + " or " + ENCODING);
            }
            String id = new String(bytes(in), StandardCharsets.UTF_8);
            long every = in.getLong();
            String source = new String(bytes(in), StandardCharsets.UTF_8);
            Mlp initial = BinaryModelFormat.decode(bytes(in));
            DriftSpec drift = null;
            if (version >= ENCODING_WITHOUT_CHALLENGERS) {
                byte[] driftJson = bytes(in);
                if (driftJson.length > 0) {
                    drift = DriftSpec.parse(dev.backstream.json.Json.MAPPER.readTree(driftJson), initial.architecture().classes() > 0);
                }
            }
            Map<String, ModelDefinition> challengers = new LinkedHashMap<>();
            if (version >= ENCODING_WITHOUT_FEATURES) {
                int count = in.getInt();
                if (count < 0 || count > in.remaining()) {
                    throw new IllegalStateException("model definition of " + bytes.length + " bytes: " + count + " challengers cannot fit");
                }
                for (int c = 0; c < count; c++) {
                    String name = new String(bytes(in), StandardCharsets.UTF_8);
                    challengers.put(name, decode(bytes(in)));
                }
            }
            FeatureSpec features = null;
            byte[] preprocessing = null;
            if (version >= ENCODING) {
                byte[] featuresJson = bytes(in);
                if (featuresJson.length > 0) {
                    features = FeatureSpec.parse(dev.backstream.json.Json.MAPPER.readTree(featuresJson), source);
                }
                byte[] state = bytes(in);
                preprocessing = state.length == 0 ? null : state;
            }
            if (in.hasRemaining()) {
                throw new IllegalStateException(in.remaining() + " unexpected bytes after a model definition");
            }
            return new ModelDefinition(id, initial, every, source, drift, challengers, features, preprocessing, true);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("corrupt drift settings or feature spec in a model definition of " + bytes.length + " bytes", e);
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            throw new IllegalStateException("truncated or corrupt model definition of " + bytes.length + " bytes", e);
        }
    }

    private static byte[] bytes(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return bytes;
    }

    /**
     * The size of the starting model in the binary model format, plus those of its challengers; with a feature spec,
     * plus its canonical JSON and its preprocessing state ({@link Preprocessing#toBytes()}, whose size the spec fixes):
     * a bound on any one stored model of this definition (with its preprocessing state), and on the definition's own
     * encoding less its small fields.
     */
    public int encodedBytes() {
        int bytes = initial.length;
        if (features != null) {
            bytes += featuresJson(features).length + features.newState().toBytes().length;
        }
        for (ModelDefinition challenger : challengers.values()) {
            bytes += challenger.encodedBytes();
        }
        return bytes;
    }

    @Override
    public String toString() {
        return "ModelDefinition[" + id + " " + architecture.describe() + " " + optimizer.type() + " from " + source
                + (challengers.isEmpty() ? "" : ", challengers " + challengers.keySet()) + "]";
    }
}
