package dev.backstream.drift;

import java.util.Map;

/** The validated parameters of one kind of detector; {@link #newDetector()} builds a fresh detector from them. */
public sealed interface DriftSettings permits AdwinSettings, PageHinkleySettings {

    /** The type name used in model definitions: {@code "adwin"} or {@code "page-hinkley"}. */
    String type();

    /** A fresh detector with these settings. */
    DriftDetector newDetector();

    /**
     * Reads settings from a definition: the type name and a parameter map (names as in {@link AdwinSettings} and
     * {@link PageHinkleySettings}, which are River's names); absent parameters take their defaults.
     *
     * @throws IllegalArgumentException naming the type or the parameter, for an unknown type, an unknown parameter,
     *                                  or a value of the wrong kind or out of range
     */
    static DriftSettings of(String type, Map<String, ?> parameters) {
        if (type == null) {
            throw new IllegalArgumentException("drift detector type is missing; expected one of \"" + AdwinSettings.TYPE
                    + "\", \"" + PageHinkleySettings.TYPE + "\"");
        }
        Map<String, ?> given = parameters == null ? Map.of() : parameters;
        return switch (type) {
            case AdwinSettings.TYPE -> AdwinSettings.of(given);
            case PageHinkleySettings.TYPE -> PageHinkleySettings.of(given);
            default -> throw new IllegalArgumentException("unknown drift detector type \"" + type + "\"; expected one of \""
                    + AdwinSettings.TYPE + "\", \"" + PageHinkleySettings.TYPE + "\"");
        };
    }
}
