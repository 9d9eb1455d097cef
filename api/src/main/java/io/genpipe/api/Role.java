package io.genpipe.api;

/** The four roles, as names a pipeline file or an error message can use. */
public enum Role {
    GENERATOR("generator", Generator.class),
    ENCODER("encoder", Encoder.class),
    SAMPLER("sampler", Sampler.class),
    SCORER("scorer", Scorer.class);

    private final String label;
    private final Class<? extends Component> type;

    Role(String label, Class<? extends Component> type) {
        this.label = label;
        this.type = type;
    }

    /** Lower-case name: "generator", "encoder", "sampler", "scorer". */
    public String label() {
        return label;
    }

    /** The component interface of this role. */
    public Class<? extends Component> type() {
        return type;
    }
}
