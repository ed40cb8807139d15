# esmflow: least-cost energy-system optimisation from Calliope 0.7 YAML models.
# `snakemake --cores all` runs every scenario in config/config.yaml's `run.scenarios`.

from snakemake.utils import min_version, validate

min_version("9.27")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


validate(config, "config/schema.yaml")


include: "rules/common.smk"
include: "rules/convert.smk"
include: "rules/preprocess.smk"
include: "rules/model.smk"
include: "rules/postprocess.smk"


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


onsuccess:
    log_run_summary()


onerror:
    log_run_summary()
