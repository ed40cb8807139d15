# esmflow: least-cost energy-system optimisation from Calliope 0.7 YAML models.
# `snakemake --cores all` runs every scenario in config/config.yaml's `run.scenarios`.

from snakemake.utils import min_version, validate

min_version("9.27")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


# `sweeps:` expanded into scenarios first, so that the schema validates each of them too
include: "rules/sweeps.smk"


validate(config, "config/schema.yaml")


include: "rules/common.smk"
include: "rules/convert.smk"
include: "rules/preprocess.smk"
include: "rules/model.smk"
include: "rules/postprocess.smk"
include: "rules/summary.smk"


rule all:
    default_target: True
    input:
        expand(
            rules.postprocess.output,
            scenario=selected_scenarios(),
        ),
        expand(
            rules.dump_provenance.output,
            scenario=selected_scenarios(),
        ),
        expand(
            rules.overview.output,
            scenario=selected_scenarios(),
        ),
        expand(
            rules.plot_clustering.output,
            scenario=selected_scenarios(),
        ),
        rules.compare_scenarios.output,
        rules.summarise.output,


onsuccess:
    log_run_summary()


onerror:
    log_run_summary()
